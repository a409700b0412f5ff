"""
Species recognition of a logbook's catch photos (a logbook holds up to 40).

``identify_catches`` is what runs today: 40 sequential HTTP calls inside a
gunicorn thread.  ``identify_catches_async`` is the rewrite with
httpx.AsyncClient + asyncio.gather.  It needs Django >= 4.1 (``aget``,
async for) and httpx, so the Django 3.2 harness never calls it.
"""
import asyncio

import requests
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from logbook.models import CatchPhoto, Logbook

from .species_client import build_request, recognize


def identify_catches(request, logbook_id):
    """Identify every photo of a logbook entry, one after the other."""
    logbook = get_object_or_404(Logbook, pk=logbook_id)
    urls = list(logbook.photos.values_list("image_url", flat=True))
    results = []
    with requests.Session() as session:
        for url in urls:  # ok: DJP105
            results.append(recognize(url, session=session))
    return JsonResponse({"logbook": logbook.pk, "results": results})


async def identify_catches_naive(request, logbook_id):
    """First async attempt: same sequential loop, now blocking the event loop."""
    urls = [photo.image_url async for photo in CatchPhoto.objects.filter(logbook_id=logbook_id)]  # ok: DJP302
    results = []
    for url in urls:
        call = build_request(url)
        response = requests.post(call["url"], json=call["json"], headers=call["headers"], timeout=10)  # expect: DJP301
        results.append(response.json()["results"][0])
    return JsonResponse({"results": results})


async def identify_catches_async(request, logbook_id):
    """All photos in parallel over one connection pool."""
    import httpx  # only the ASGI deployment installs httpx

    logbook = await Logbook.objects.aget(pk=logbook_id)  # ok: DJP302
    urls = [photo.image_url async for photo in logbook.photos.all()]  # ok: DJP302, DJP303
    async with httpx.AsyncClient(timeout=10) as client:
        calls = [build_request(url) for url in urls]
        responses = await asyncio.gather(  # ok: DJP407
            *(client.post(c["url"], json=c["json"], headers=c["headers"]) for c in calls)
        )
    results = [r.json()["results"][0] for r in responses]
    return JsonResponse({"logbook": logbook.pk, "results": results})
