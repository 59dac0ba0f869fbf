"""schema.org JSON-LD for event pages, so search engines can show dates, places and prices."""

from __future__ import annotations

from typing import Any

from .model import Event, Site

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


def event_json_ld(event: Event, site: Site) -> dict[str, Any]:
    """The schema.org Event for one event page."""
    config = site.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": event.start_iso,
        "endDate": event.end_iso,
        "eventStatus": EVENT_STATUS[event.status],
        "eventAttendanceMode": ATTENDANCE[event.format],
        "url": config.absolute(event.url),
        "isAccessibleForFree": event.cost.strip().lower() == "free",
    }
    locations: list[dict[str, Any]] = []
    if event.venue:
        address: dict[str, Any] = {"@type": "PostalAddress", "streetAddress": event.venue.address}
        if event.venue.postcode:
            address["postalCode"] = event.venue.postcode
        locations.append({"@type": "Place", "name": event.venue.name, "address": address})
    if event.format in ("online", "hybrid"):
        locations.append({"@type": "VirtualLocation", "url": config.absolute(event.url)})
    data["location"] = locations[0] if len(locations) == 1 else locations
    organiser = config.organisation or config.title
    data["organizer"] = {"@type": "Organization", "name": organiser, "url": config.base_url}
    offer: dict[str, Any] = {"@type": "Offer", "url": event.booking.url if event.booking and
                             event.booking.url.startswith("https:") else config.absolute(event.url)}
    price = _price(event.cost)
    if price is not None:
        offer["price"] = price
        offer["priceCurrency"] = "GBP"
    offer["availability"] = ("https://schema.org/SoldOut" if event.status == "full" else
                             "https://schema.org/InStock")
    data["offers"] = offer
    if event.image:
        data["image"] = config.absolute(event.image.src)
    if event.capacity:
        data["maximumAttendeeCapacity"] = event.capacity
    return data


def _price(cost: str) -> str | None:
    """'Free' -> '0'; '£12.50' -> '12.50'; anything else is not a single price."""
    text = cost.strip().lower()
    if text == "free":
        return "0"
    if text.startswith("£"):
        number = text[1:].replace(",", "")
        if number.replace(".", "", 1).isdigit():
            return number
    return None
