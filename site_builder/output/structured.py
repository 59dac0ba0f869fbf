"""schema.org JSON-LD for event pages, as Google's Event documentation asks for it: the required
properties (name, startDate, location with an address or a URL) and the recommended ones (description,
endDate, eventAttendanceMode, eventStatus, image, offers, organizer, performer, previousStartDate)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..site.dates import iso
from .images import social_image
from ..site.model import Event, Site

EVENT_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "full": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
    "postponed": "https://schema.org/EventPostponed",
}
ATTENDANCE = {
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "in-person": "https://schema.org/OfflineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
SCHEMA = "https://schema.org/"
CURRENCIES = {"£": "GBP", "€": "EUR", "$": "USD"}
# A price without a currency sign is in the money of the site's country.
COUNTRY_CURRENCIES = {
    "GB": "GBP",
    "IM": "GBP",
    "JE": "GBP",
    "GG": "GBP",
    "US": "USD",
    "IE": "EUR",
    "FR": "EUR",
    "DE": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "BE": "EUR",
    "PT": "EUR",
    "AT": "EUR",
}
_AMOUNT = re.compile(
    r"([£€$])\s*(\d[\d,]*(?:\.\d{1,2})?)|\b(GBP|EUR|USD)\s*(\d[\d,]*(?:\.\d{1,2})?)|"
    r"(\d[\d,]*(?:\.\d{1,2})?)\s*(GBP|EUR|USD)\b|(\d[\d,]*(?:\.\d{1,2})?)\s*p\b"
)


def event_json_ld(event: Event, site: Site) -> dict[str, Any]:
    """The schema.org Event for one event page."""
    config = site.config
    page = config.absolute(event.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": event.start_iso,
        "endDate": event.end_iso,
        "eventStatus": EVENT_STATUS[event.status],
        "eventAttendanceMode": ATTENDANCE[event.format],
        "url": page,
    }
    if event.rescheduled_from is not None and event.status != "cancelled":
        data["eventStatus"] = SCHEMA + "EventRescheduled"
        data["previousStartDate"] = iso(event.rescheduled_from, event.tz)
    locations: list[dict[str, Any]] = []
    if event.venue and event.format != "online":
        venue = event.venue
        address: dict[str, Any] = {"@type": "PostalAddress", "streetAddress": venue.street}
        if venue.locality:
            address["addressLocality"] = venue.locality
        if venue.postcode:
            address["postalCode"] = venue.postcode
        address["addressCountry"] = venue.country or config.country
        locations.append({"@type": "Place", "name": venue.name, "address": address})
    if event.format in ("online", "hybrid"):
        online_url = event.online.url if event.online and event.online.url else page
        locations.append({"@type": "VirtualLocation", "url": online_url})
    data["location"] = locations[0] if len(locations) == 1 else locations
    image = social_image(event, site)  # the published crop: an image's original is never published
    if image:
        data["image"] = [image]
    organiser = {"@type": "Organization", "name": config.organisation or config.title, "url": config.base_url}
    data["organizer"] = organiser
    # Who leads it: the presenter when the editor names one, else the programme, which runs its own sessions.
    data["performer"] = {"@type": "Person", "name": event.presenter} if event.presenter else organiser
    data["offers"] = _offer(event, site, page)
    free = is_free(event.cost)
    data["isAccessibleForFree"] = free
    if event.capacity:
        data["maximumAttendeeCapacity"] = event.capacity
    return data


def _offer(event: Event, site: Site, page: str) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": event.booking.url if event.booking and event.booking.url.startswith("https:") else page,
    }
    price = price_of(event.cost, COUNTRY_CURRENCIES.get(site.config.country, "GBP"))
    if price is not None:
        offer["price"], offer["priceCurrency"] = price
    offer["availability"] = SCHEMA + availability(event, site.today)
    if event.published:
        offer["validFrom"] = iso(event.published, event.tz)
    return offer


def availability(event: Event, today: date) -> str:
    """Whether places can be had: none once it is over or cancelled, none while postponed or after the
    booking deadline, sold out when full."""
    if event.status == "cancelled" or event.is_past:
        return "Discontinued"
    if event.status == "full":
        return "SoldOut"
    if event.status == "postponed" or (event.booking and event.booking.deadline and event.booking.deadline < today):
        return "OutOfStock"
    return "InStock"


def is_free(cost: str) -> bool:
    """'Free', 'free (travel and childcare covered)', 'Free to members': free. '£5, or free for volunteers':
    not, for everyone."""
    return re.match(r"\s*(free|no charge|no cost)\b", cost, re.IGNORECASE) is not None


def price_of(cost: str, currency: str = "GBP") -> tuple[str, str] | None:
    """The price and currency a `cost` names: free is 0 (in `currency`); '£12.50' is ('12.50', 'GBP'); several
    prices give the first; words alone give None."""
    if is_free(cost):
        return "0", currency
    match = _AMOUNT.search(cost)
    if not match:
        return None
    if match[1]:
        return match[2].replace(",", ""), CURRENCIES[match[1]]
    if match[3]:
        return match[4].replace(",", ""), match[3]
    if match[5]:
        return match[5].replace(",", ""), match[6]
    return f"{int(match[7].replace(',', '')) / 100:.2f}", currency
