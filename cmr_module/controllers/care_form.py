"""Parse and validate the care forms of the portal: the controller hands
the visit's methods clean values, and each refused value raises a
translated UserError shown on the page."""

from datetime import datetime

from odoo.exceptions import UserError

from ..models.cmr_input_guard import TEXT_MAX, has_control_characters, shown

RATES = ("1", "2", "3", "4", "5")
SLOT_FORMAT = "%Y-%m-%d %H:%M"


def pick_service(env, offered, value):
    """The service of ``offered`` whose id the form sent, never a record
    browsed by the posted id."""
    value = str(value or "").strip()
    picked = offered.filtered(lambda service: str(service.id) == value)
    if not value or not picked:
        raise UserError(env._("Choose one of the services offered to you."))
    return picked


def parse_slot(env, value):
    """A slot as the form posts it (``YYYY-MM-DD HH:MM``, UTC) → naive UTC.
    The visit decides whether it lies ahead and in the customer's windows."""
    value = str(value or "").strip()
    try:
        slot = datetime.strptime(value[:20], SLOT_FORMAT) if value else None
    except ValueError:
        slot = None
    if not slot or not 2000 <= slot.year <= 2200:
        raise UserError(
            env._("%(value)s is not a time slot: choose one.", value=shown(value))
        )
    return slot


def format_slot_value(slot):
    return slot.strftime(SLOT_FORMAT)


def rating_values(env, post):
    """(rate, feedback) of the rating form."""
    rate = str(post.get("rate") or "").strip()
    if rate not in RATES:
        raise UserError(env._("Rate the visit from 1 to 5."))
    return int(rate), text_value(env, post.get("feedback"), env._("Feedback"))


def text_value(env, value, label):
    value = (value or "").strip()
    if not value:
        return None
    if has_control_characters(value) or "\ufffd" in value:
        raise UserError(
            env._(
                "%(field)s contains characters we could not read: type it again.",
                field=label,
            )
        )
    if len(value) > TEXT_MAX:
        raise UserError(
            env._(
                "%(field)s is too long: %(length)s characters, at most %(limit)s.",
                field=label,
                length=len(value),
                limit=TEXT_MAX,
            )
        )
    return value
