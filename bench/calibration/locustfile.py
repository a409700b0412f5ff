"""
Locust load of the calibration benchmark: three shop endpoints, equal weights, no think time.

* GET  /products/                              N+1 listing (1 + 2N queries, N = 50)
* GET  /calibration/products-select-related/   the same listing with select_related (1 query)
* POST /inventory/reserve/<id>/                select_for_update reservation of a random product

All users share one session of ``shopper``, logged in once through the admin login form at
test start (so no login requests appear in the statistics); POSTs carry the CSRF token.
"""
import json
import os
import random
import re

import requests
from locust import FastHttpUser, constant, events, task

SESSION = {}
PRODUCTS = 50


@events.test_start.add_listener
def login(environment, **_kwargs):
    host = environment.host
    s = requests.Session()
    page = s.get(host + "/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(host + "/admin/login/?next=/admin/", timeout=10, allow_redirects=False,
               data={"username": "shopper", "password": "shopper", "csrfmiddlewaretoken": token, "next": "/admin/"})
    if r.status_code != 302 or "sessionid" not in s.cookies:
        raise RuntimeError("login failed: HTTP %d" % r.status_code)
    SESSION["cookie"] = "sessionid=%s; csrftoken=%s" % (s.cookies["sessionid"], s.cookies["csrftoken"])
    SESSION["csrf"] = s.cookies["csrftoken"]


@events.quitting.add_listener
def final_totals(environment, **_kwargs):
    """Locust rewrites *_stats.csv once a second, so it misses the last second: keep exact totals."""
    path = os.environ.get("CALIB_LOCUST_TOTALS")
    if path:
        stats = environment.stats
        with open(path, "w") as f:
            json.dump({"requests": stats.total.num_requests, "failures": stats.total.num_failures,
                       "endpoints": {e.name: e.num_requests for e in stats.entries.values()}}, f)


class Shopper(FastHttpUser):
    wait_time = constant(0)

    def _headers(self):
        return {"Cookie": SESSION["cookie"], "X-CSRFToken": SESSION["csrf"]}

    @task
    def product_list_n1(self):
        self.client.get("/products/", headers=self._headers())

    @task
    def product_list_select_related(self):
        self.client.get("/calibration/products-select-related/", headers=self._headers())

    @task
    def reserve(self):
        pid = random.randint(1, PRODUCTS)
        with self.client.post("/inventory/reserve/%d/" % pid, data="quantity=1", headers=dict(
                self._headers(), **{"Content-Type": "application/x-www-form-urlencoded"}),
                name="/inventory/reserve/[id]/", catch_response=True) as r:
            if r.status_code != 201:
                r.failure("HTTP %s" % r.status_code)
