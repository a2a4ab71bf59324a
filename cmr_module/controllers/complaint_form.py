"""Parse and validate the complaint forms of the portal, as
``portal.details_form_validate`` does: the controller hands the complaint's
methods clean values, and each refused value raises a translated UserError
shown on the page."""

from datetime import datetime

import pytz
from markupsafe import Markup

from odoo import fields
from odoo.exceptions import UserError

from ..models.cmr_complaint import MAX_FILE_SIZE, MAX_FILES, check_customer_text
from ..models.cmr_input_guard import LONG_TEXT_MAX, NAME_MAX, has_control_characters

# How many files, and how large, a complaint filed in the portal takes.
# The rates the portal's form offers, as posted ("٤" or "+5" are not rates).
RATES = ("1", "2", "3", "4", "5")


def refill_values(post):
    """The form's values to show again after a refusal, without what was
    refused for its size or characters."""
    return {
        name: value
        for name, value in post.items()
        if isinstance(value, str)
        and len(value) <= LONG_TEXT_MAX
        and not has_control_characters(value)
    }


def files_help(env):
    """The filing form's hint on how many files, and how large."""
    # Formatted outside the translated call: the term extractor evaluates
    # its arguments.
    size_mb = f"{MAX_FILE_SIZE / 1024 / 1024:g}"
    return env._(
        "Up to %(count)s files of %(size)s MB each.", count=MAX_FILES, size=size_mb
    )


def pick(offered, value, error):
    """The record of ``offered`` whose id the form sent as ``value``, never a
    record browsed by the id: empty when nothing was sent, ``error`` (a
    UserError) when the id is not one of those offered."""
    value = str(value or "").strip()
    if not value:
        return offered.browse()
    picked = offered.filtered(lambda record: str(record.id) == value)
    if not picked:
        raise UserError(error)
    return picked


def parse_local_datetime(env, value, partner):
    """``YYYY-MM-DDTHH:MM`` in the customer's time zone → naive UTC."""
    if not value:
        return False
    try:
        local = datetime.strptime(value.strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError as error:
        raise UserError(
            env._("%(value)r is not a date and time.", value=value)
        ) from error
    tz = pytz.timezone(partner.tz or env.user.tz or "UTC")
    try:
        moment = tz.localize(local).astimezone(pytz.UTC).replace(tzinfo=None)
    except OverflowError as error:  # the first or last day of year 1 or 9999
        raise UserError(
            env._("%(value)r is not a date and time.", value=value)
        ) from error
    if moment < fields.Datetime.now():
        raise UserError(
            env._(
                "The reply-by time %(moment)s is in the past: choose a time to come.",
                moment=value,
            )
        )
    return moment


def check_files(env, files):
    """The (filename, content, mimetype) tuples worth attaching: empty files
    are dropped; too many or too large files raise a translated UserError."""
    files = [
        (filename, content, mimetype)
        for filename, content, mimetype in files or []
        if content
    ]
    if len(files) > MAX_FILES:
        raise UserError(
            env._("Attach at most %(count)s files to a complaint.", count=MAX_FILES)
        )
    # Formatted outside the translated call: the term extractor evaluates
    # its arguments.
    size_mb = f"{MAX_FILE_SIZE / 1024 / 1024:g}"
    for filename, content, _mimetype in files:
        check_customer_text(env, filename or "", NAME_MAX)
        if len(content) > MAX_FILE_SIZE:
            raise UserError(
                env._(
                    "The file %(name)s is larger than %(size)s MB: attach a "
                    "smaller one.",
                    name=filename,
                    size=size_mb,
                )
            )
    return files


def complaint_values(env, partner, post):
    """The values of the complaint ``partner`` files with the form ``post``:
    only choices offered to them, a reply-by time to come in their time zone,
    bounded texts. Raises a translated UserError on bad input."""
    Complaint = env["cmr.complaint"]
    for value in post.values():
        if isinstance(value, str):
            # Choices and dates are short; subject and description have
            # their own bounds in the model.
            check_customer_text(env, value, LONG_TEXT_MAX)
    subject = (post.get("subject") or "").strip()
    if not subject:
        raise UserError(env._("Say in a few words what the complaint is about."))
    code = (post.get("reply_channel") or "").strip()
    channel = Complaint._portal_reply_channels().filtered(lambda c: c.code == code)
    if not channel:
        raise UserError(
            env._(
                "Unknown reply channel %(channel)r: choose one of the list.",
                channel=code,
            )
        )
    category = pick(
        env["cmr.complaint.category"]._portal_categories(),
        post.get("category_id"),
        env._("Unknown complaint category."),
    )
    order = pick(
        Complaint._portal_sale_orders(partner),
        post.get("sale_order_id"),
        env._("Unknown sales order: choose one of your orders in the list."),
    )
    invoice = pick(
        Complaint._portal_invoices(partner),
        post.get("invoice_id"),
        env._("Unknown invoice: choose one of your invoices in the list."),
    )
    description = (post.get("description") or "").strip()
    return {
        "subject": subject,
        "reply_channel_id": channel.id,
        "reply_by": parse_local_datetime(env, post.get("reply_by"), partner),
        "category_id": category.id,
        "sale_order_id": order.id,
        "invoice_id": invoice.id,
        "description": Markup("<p>%s</p>") % description if description else False,
    }


def message_text(env, message, limit):
    """A message the customer typed, stripped and bounded."""
    message = (message or "").strip()
    if not message:
        raise UserError(env._("Write a message first."))
    check_customer_text(env, message, limit)
    return message


def rating_values(env, post):
    """(rate, feedback) of the rating form."""
    rate = str(post.get("rate") or "").strip()
    if rate not in RATES:
        raise UserError(env._("Rate the handling from 1 to 5."))
    return int(rate), post.get("feedback") or None
