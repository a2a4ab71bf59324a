"""Parsing of the alliance portal forms (the merchant's counter, the card's
PIN), as ``portal.details_form_validate`` does for the account page: request
values in, clean Python values and a translated error out. The models decide
the business rules on the clean values."""

import math

from odoo.http import request

from ..models.cmr_input_guard import has_control_characters

# Longest text a number, an id or a card number is parsed from: anything
# longer is refused before parsing.
NUMBER_TEXT_MAX = 32
ID_MAX = 2**31 - 1
# What the counter's form shows again after an error (never the code or PIN).
ECHOED_FIELDS = ("card_number", "kind", "quantity", "reference")
ECHO_MAX = 200


def parse_id(text):
    """A positive database id from a request value, or None."""
    if (
        isinstance(text, str)
        and 0 < len(text) <= 10
        and text.isascii()
        and text.isdigit()
        and 0 < int(text) <= ID_MAX
    ):
        return int(text)
    return None


def parse_number(text):
    """A finite float from a request value ("35.50" or "35,50"), or None."""
    if not isinstance(text, str) or len(text) > NUMBER_TEXT_MAX:
        return None
    text = text.strip().replace(",", ".")
    if not text.isascii() or "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_text(text, limit=None):
    """A stripped string from a request value; ``limit`` cuts what no field
    could hold anyway (the model bounds and refuses the rest)."""
    if not isinstance(text, str):
        return ""
    text = text.strip()
    return text[:limit] if limit else text


def parse_card_number(text):
    """The card number as typed: printed cards group the digits, so spaces
    and dashes are dropped (the model checks the number itself)."""
    return parse_text(text, NUMBER_TEXT_MAX * 2).replace(" ", "").replace("-", "")


def counter_form_validate(post):
    """The merchant's counter form: ``(values, error)``. ``values`` has
    ``card_number``, ``kind`` (``purchase`` or ``redeem``), ``quantity`` (an
    amount for a purchase, whole points for a redemption), ``service_id``
    (an id, -1 for a value that is no id, or None), ``reference`` (or None)
    and ``proof`` (the holder's code or PIN); ``error`` is None or the first
    translated refusal of a value that is not what the form asks for."""
    service = post.get("service_id")
    values = {
        "card_number": parse_card_number(post.get("card_number")),
        "kind": post.get("kind"),
        "quantity": parse_number(post.get("quantity")),
        # A chosen service that is no id is refused as an unknown service.
        "service_id": (parse_id(service) or -1) if service else None,
        "reference": parse_text(post.get("reference")) or None,
        "proof": parse_text(post.get("proof"), NUMBER_TEXT_MAX),
    }
    quantity = values["quantity"]
    if quantity is None or quantity <= 0:
        return values, request.env._(
            "Enter a positive number, for example 120 or 35.50."
        )
    if values["kind"] not in ("purchase", "redeem"):
        return values, request.env._("Choose a purchase or a redemption.")
    if values["kind"] == "redeem":
        if quantity != int(quantity):
            return values, request.env._("Points are whole numbers.")
        values["quantity"] = int(quantity)
    return values, None


def pin_form_values(post):
    """The card's PIN form: ``(pin, confirmation)``, checked by the model."""
    return (
        parse_text(post.get("pin"), NUMBER_TEXT_MAX),
        parse_text(post.get("pin_confirm"), NUMBER_TEXT_MAX),
    )


def counter_form_echo(post):
    """What the counter's form shows again after an error: short texts
    without control characters (never the code or PIN)."""
    return {
        key: value
        for key in ECHOED_FIELDS
        if isinstance(value := post.get(key), str)
        and len(value) <= ECHO_MAX
        and not has_control_characters(value)
    }
