"""Client of the species recognition API (identifies the fish on a catch photo)."""
import requests
from django.conf import settings

RECOGNIZE_PATH = "/recognize"


class SpeciesRecognitionError(Exception):
    pass


def _headers():
    return {"Authorization": "Bearer %s" % settings.SPECIES_API_KEY, "Accept": "application/json"}


def recognize(image_url, session=None):
    """Identify the species on one image; one HTTP round trip (~300-800 ms)."""
    http = session or requests
    response = http.post(
        settings.SPECIES_API_URL + RECOGNIZE_PATH,
        json={"image_url": image_url},
        headers=_headers(),
        timeout=10,
    )
    if response.status_code != 200:
        raise SpeciesRecognitionError(response.text)
    best = response.json()["results"][0]
    return {"species": best["name"], "confidence": best["confidence"]}


def build_request(image_url):
    """Arguments of one recognition call, shared by the async client."""
    return {
        "url": settings.SPECIES_API_URL + RECOGNIZE_PATH,
        "json": {"image_url": image_url},
        "headers": _headers(),
    }
