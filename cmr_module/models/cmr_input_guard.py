import math
import re

from odoo import api, models
from odoo.exceptions import ValidationError

# C0 controls but tab, line feed and carriage return, and DEL: PostgreSQL
# refuses NUL in text, and the others only hide or garble what people read.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Shared bounds, so that a field's help and its check say the same number.
NAME_MAX = 200
TEXT_MAX = 5000
LONG_TEXT_MAX = 20000
# Amounts a person can type: far above any real purchase, far below what
# overflows an integer column or loses cents in a float.
AMOUNT_MAX = 100_000_000


def has_control_characters(value):
    return isinstance(value, str) and bool(CONTROL_CHARACTERS.search(value))


def shown(value, length=40):
    """A value as it may be echoed in an error message: without control
    characters and cut short, whatever was posted."""
    text = CONTROL_CHARACTERS.sub("", str(value or ""))
    return text if len(text) <= length else text[: length - 1] + "…"


def check_input_values(model, vals, text_limits, number_ranges, all_texts=True):
    """Raise a ValidationError when a value in ``vals`` is out of bounds.

    :param model: the model written (for its fields and environment)
    :param text_limits: {field name: maximum number of characters}
    :param number_ranges: {field name: (minimum, maximum)}, inclusive
    :param all_texts: refuse control characters in every text of ``vals``,
        not only in the fields of ``text_limits``
    """
    env = model.env
    for name, value in vals.items():
        field = model._fields.get(name)
        if field is None or value is None or value is False:
            continue
        limit = text_limits.get(name)
        checked = all_texts or limit
        if checked and isinstance(value, str) and has_control_characters(value):
            raise ValidationError(
                env._(
                    "%(field)s contains control characters: remove them and try again.",
                    field=field._description_string(env),
                )
            )
        # U+FFFD: what a browser sent was not UTF-8 and werkzeug replaced it.
        if checked and isinstance(value, str) and "\ufffd" in value:
            raise ValidationError(
                env._(
                    "%(field)s contains characters we could not read: type it again.",
                    field=field._description_string(env),
                )
            )
        if limit and isinstance(value, str) and len(value) > limit:
            raise ValidationError(
                env._(
                    "%(field)s is too long: %(length)s characters, at most %(limit)s.",
                    field=field._description_string(env),
                    length=len(value),
                    limit=limit,
                )
            )
        policed = all_texts or name in number_ranges
        if policed and isinstance(value, float) and not math.isfinite(value):
            # NaN compares false with every bound: refuse it (and infinities)
            # before any range check could let it through.
            raise ValidationError(
                env._(
                    "%(field)s must be a number.",
                    field=field._description_string(env),
                )
            )
        bounds = number_ranges.get(name)
        if bounds and isinstance(value, int | float):
            low, high = bounds
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValidationError(
                    env._(
                        "%(field)s must be between %(low)s and %(high)s.",
                        field=field._description_string(env),
                        low=low if low is not None else "-∞",
                        high=high if high is not None else "∞",
                    )
                )


class CmrInputGuard(models.AbstractModel):
    """Bounds every value a person (portal, form or RPC) can write.

    Inheriting models list their free-text fields with a maximum length in
    ``_input_text_limits`` and their numbers with an inclusive range in
    ``_input_number_ranges``; ``create`` and ``write`` refuse anything longer,
    out of range or with control characters, with a translated
    ``ValidationError`` that controllers show on the page. Checking in the
    ORM covers forms, portal controllers and RPC alike, before PostgreSQL
    sees a NUL byte or an integer overflow.
    """

    _name = "cmr.input.guard"
    _description = "CMR Input Bounds"

    # {field name: maximum number of characters}
    _input_text_limits = {}
    # {field name: (minimum, maximum)}, both inclusive; None for no bound.
    _input_number_ranges = {}
    # Refuse control characters in every text written, or only in the
    # fields listed above.
    _input_check_all_texts = True

    @api.model
    def _check_input_values(self, vals):
        """Raise a ValidationError when a value in vals is out of bounds."""
        check_input_values(
            self,
            vals,
            self._input_text_limits,
            self._input_number_ranges,
            all_texts=self._input_check_all_texts,
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_input_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_input_values(vals)
        return super().write(vals)
