from odoo import api, models


class CmrPrivacyExport(models.Model):
    """The mining center's and the key-account team's records about the
    customer in their export, with what the customer may see only: their
    purchase rhythm (not the activity state the company assessed, margins,
    revenue, churn rate or lifetime value), the churn reasons they gave in
    their words (not how staff classified them), their team (names and
    roles, as on /my/team) and the reviews shared with them (minutes and
    decisions, not the agenda prepared from the mining center)."""

    _inherit = "cmr.privacy.export"

    @api.model
    def _privacy_fields(self):
        fields_ = super()._privacy_fields()
        fields_.update(
            {
                "cmr.mining.activity": [
                    "first_purchase_date",
                    "last_purchase_date",
                    "purchase_count",
                    "usual_interval",
                ],
                "cmr.mining.churn.record": ["date", "note"],
                "cmr.keyaccount.member": ["user_id", "role_id"],
                "cmr.keyaccount.review": [
                    "name",
                    "state",
                    "planned_date",
                    "held_date",
                    "location",
                    "minutes",
                    "decisions",
                ],
            }
        )
        return fields_

    @api.model
    def _privacy_domain(self, model_name, partners, field_names):
        domain = super()._privacy_domain(model_name, partners, field_names)
        if model_name == "cmr.keyaccount.review":
            # Held reviews the team shared, and the ones planned with them.
            domain = [
                "|",
                ("state", "=", "planned"),
                "&",
                ("state", "=", "held"),
                ("shared", "=", True),
            ] + domain
        return domain
