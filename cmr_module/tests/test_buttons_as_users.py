import logging

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)

# From the least to the most privileged: who may see a button without a
# `groups` of its own.
LADDER = (
    "base.group_user",
    "cmr_module.group_cmr_user",
    "cmr_module.group_cmr_manager",
    "cmr_module.group_cmr_admin",
)


@tagged("post_install", "-at_install")
class TestButtonsAsUsers(TransactionCase):
    """Every object button of the addon's views, pressed by the
    least-privileged user who sees it, so that a button nobody can use
    (the tier wizard once failed for every manager) cannot come back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            group: new_test_user(
                cls.env,
                login=f"cmr_buttons_{group.split('.')[1]}",
                groups=group,
            )
            for group in LADDER
        }

    def _buttons(self):
        """(model, method, groups) of every object button of the addon."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "cmr_module"), ("model", "=", "ir.ui.view")]
        )
        views = self.env["ir.ui.view"].browse(data.mapped("res_id"))
        buttons = set()
        for view in views:
            arch = etree.fromstring(view.arch_db.encode())
            for button in arch.iter("button"):
                if button.get("type") != "object":
                    continue
                # A button inside a sub-list acts on the sub-list's records.
                model = view.model
                parent = button.getparent()
                while parent is not None:
                    if parent.tag == "field" and parent.getparent() is not None:
                        field = self.env[view.model]._fields.get(parent.get("name"))
                        if field is not None and field.relational:
                            model = field.comodel_name
                            break
                    parent = parent.getparent()
                buttons.add((model, button.get("name"), button.get("groups") or ""))
        return sorted(buttons)

    def _least_privileged(self, model, groups):
        operation = "create" if self.env[model]._transient else "read"
        wanted = [xmlid for xmlid in groups.split(",") if xmlid]
        for group in LADDER:
            user = self.users[group]
            if wanted and not any(user.has_group(xmlid) for xmlid in wanted):
                continue
            if self.env[model].with_user(user).has_access(operation):
                return user
        return None

    def test_every_button_works_for_the_least_privileged_user_who_sees_it(self):
        buttons = self._buttons()
        self.assertGreater(len(buttons), 30)
        failures = []
        for model, method, groups in buttons:
            Model = self.env[model]
            if not callable(getattr(Model, method, None)) or method.startswith("_"):
                failures.append(f"{model}.{method}: no such public method")
                continue
            user = self._least_privileged(model, groups)
            if user is None:
                failures.append(f"{model}.{method}: no CMR group may use it")
                continue
            if Model._transient:
                # A dry press of an empty wizard: its own tests press it with
                # data; here only its access checks must let the user through.
                record = Model.with_user(user).new({})
            else:
                record = Model.with_user(user).search([], limit=1)
            if not record:
                continue
            try:
                with self.env.cr.savepoint():
                    getattr(record, method)()
            except AccessError as error:
                failures.append(
                    f"{model}.{method} as {user.login} ({groups or 'no groups'}): "
                    f"{error}"
                )
            except UserError as error:
                # A business refusal, said to the user: the button works.
                _logger.info(
                    "%s.%s refused as %s: %s", model, method, user.login, error
                )
            except Exception:  # noqa: BLE001 pylint: disable=broad-except
                # An empty wizard may fail on its missing data: not an
                # access problem, and its own tests cover the real press.
                if not Model._transient:
                    raise
        self.assertFalse(failures, "\n".join(failures))
