"""Parse the portal's suggestion form: clean values for the model, or a
translated UserError naming what is wrong."""

from odoo.exceptions import UserError

from ..models.cmr_input_guard import NAME_MAX, TEXT_MAX, has_control_characters
from ..models.cmr_suggestion import CATEGORIES, MAX_FILE_SIZE, MAX_FILES


def files_help(env):
    size_mb = f"{MAX_FILE_SIZE / 1024 / 1024:g}"
    return env._(
        "Up to %(count)s files of %(size)s MB each.", count=MAX_FILES, size=size_mb
    )


def refill_values(post):
    return {
        name: value
        for name, value in post.items()
        if isinstance(value, str)
        and len(value) <= TEXT_MAX
        and not has_control_characters(value)
    }


def _text(env, value, limit, label, required=True):
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise UserError(env._("%(label)s is required.", label=label))
    if len(value) > limit:
        raise UserError(
            env._(
                "%(label)s is too long: at most %(limit)s characters.",
                label=label,
                limit=limit,
            )
        )
    if has_control_characters(value) or "\ufffd" in value:
        raise UserError(
            env._("Your text contains control characters: remove them and try again.")
        )
    return value


def suggestion_values(env, post):
    category = post.get("category") or ""
    if category not in dict(CATEGORIES):
        raise UserError(env._("Choose what your suggestion is about."))
    return {
        "name": _text(env, post.get("name"), NAME_MAX, env._("The title")),
        "description": _text(
            env, post.get("description"), TEXT_MAX, env._("Your suggestion")
        ),
        "category": category,
        "is_public": post.get("is_public") in ("on", "1", "true"),
    }
