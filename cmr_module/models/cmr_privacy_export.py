import base64
import csv
import io
import json
import logging
import zipfile

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext, mute_logger

from ..tools.spreadsheet import SpreadsheetSafeWriter

_logger = logging.getLogger(__name__)

# Exports one run of the scheduled action builds.
EXPORT_BATCH = 5
# Records per model and events on the timeline an export holds at most.
RECORDS_MAX = 100_000
# Models whose records pointing to the customer are not "about" them, or are
# exported another way (the message threads' technical tables).
SKIPPED_MODELS = (
    "mail.followers",
    "mail.notification",
    "discuss.channel.member",
    "bus.presence",
    "res.users.log",
    "cmr.privacy.export",
    "cmr.privacy.erasure",
    "cmr.privacy.erasure.log",
)
# What the files of an export weigh at most, all together.
ATTACHMENTS_MAX_BYTES = 500 * 1024 * 1024
# Fields a record of a model without an explicit list is exported with.
GENERIC_DATE_FIELDS = ("date", "date_order", "invoice_date", "create_date")
GENERIC_REFERENCE_FIELDS = ("ref", "reference", "client_order_ref", "number")


class CmrPrivacyExport(models.Model):
    """A customer's request to download everything held about them.

    The ZIP (one JSON file, and one CSV file per model) is built by the
    scheduled action, one export at a time per customer, and offered in the
    portal when ready. What goes in is decided by reflection (every stored
    many2one or many2many to ``res.partner``, as ``privacy_lookup`` finds a
    person) and by ``_privacy_fields``: models with an explicit list of
    customer-visible fields export those, the others only their name, date
    and reference."""

    _name = "cmr.privacy.export"
    _description = "Personal Data Export"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    requested_by_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Being Built"),
            ("done", "Ready"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    date_done = fields.Datetime(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")
    record_count = fields.Integer(string="Records", readonly=True)
    error = fields.Char(readonly=True, groups="cmr_module.group_cmr_manager")

    def init(self):
        # One export waiting or being built per customer, whoever asks twice.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cmr_privacy_export_one_active "
                "ON cmr_privacy_export (partner_id) "
                "WHERE state IN ('queued', 'running')"
            )
        )

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------
    @api.model
    def _request(self, partner):
        """Queue an export of ``partner``'s customer (their commercial
        partner); refused while another one is queued or being built."""
        customer = partner.commercial_partner_id
        Export = self.sudo()
        busy = UserError(
            self.env._(
                "An export of your data is already being prepared: you will "
                "find it here when it is ready."
            )
        )
        if Export.search_count(
            [("partner_id", "=", customer.id), ("state", "in", ("queued", "running"))]
        ):
            raise busy
        try:
            # The unique index decides between two requests at the same
            # moment: the second waits for the first, then is refused.
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                export = Export.create(
                    {
                        "partner_id": customer.id,
                        "company_id": (customer.company_id or self.env.company).id,
                        "requested_by_id": self.env.uid,
                    }
                )
                export.flush_recordset()
        except UniqueViolation as error:
            raise busy from error
        cron = self.env.ref(
            "cmr_module.ir_cron_cmr_privacy_export", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()
        return export

    # ------------------------------------------------------------------
    # Building (scheduled action)
    # ------------------------------------------------------------------
    @api.model
    def _cron_build_exports(self, batch_size=EXPORT_BATCH):
        exports = self.search([("state", "=", "queued")], order="id", limit=batch_size)
        for export in exports:
            export.state = "running"
            try:
                with self.env.cr.savepoint():
                    export._build()
            except Exception as error:  # noqa: BLE001 - recorded, shown to staff
                _logger.exception("Personal data export %s failed", export.id)
                export.write({"state": "failed", "error": str(error)[:200]})
        remaining = self.search_count([("state", "=", "queued")])
        self.env["ir.cron"]._notify_progress(done=len(exports), remaining=remaining)

    def _build(self):
        self.ensure_one()
        data = self._collect()
        attachments = self._attachments(data)
        data["attachments"] = [
            {"id": a.id, "name": a.name, "model": a.res_model, "record": a.res_id}
            for a in attachments
        ]
        content = self._zip(data, attachments)
        name = f"personal-data-{self.partner_id.id}-{fields.Date.today()}.zip"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "datas": base64.b64encode(content),
                    "mimetype": "application/zip",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.write(
            {
                "state": "done",
                "date_done": fields.Datetime.now(),
                "attachment_id": attachment.id,
                "record_count": sum(len(rows) for rows in data.values()),
            }
        )

    def _partners(self):
        return self.env["cmr.timeline"]._partners_of(self.partner_id)

    def _collect(self):
        """``{section: [row dict]}``: the records about the customer, by model,
        plus their timeline."""
        partners = self._partners()
        env = self.env(su=True, context=dict(self.env.context, active_test=False))
        explicit = self._privacy_fields()
        data = {}
        for model_name, field_names in sorted(self._partner_references().items()):
            Model = env[model_name]
            domain = self._privacy_domain(model_name, partners, field_names)
            records = Model.search(domain, limit=RECORDS_MAX, order="id")
            if not records:
                continue
            if model_name in explicit:
                rows = self._rows_explicit(records, explicit[model_name])
            else:
                rows = self._rows_generic(records)
            data[model_name] = rows
        self._add_thread_messages(data, explicit["mail.message"])
        data["timeline"] = self._timeline_rows(partners)
        return data

    def _add_thread_messages(self, data, field_names):
        """The messages the customer reads on their complaints and
        suggestions (staff's answers included), never internal notes."""
        domain = []
        for model in ("cmr.complaint", "cmr.suggestion"):
            ids = [row["id"] for row in data.get(model, [])]
            if ids:
                domain = (["|"] if domain else []) + domain
                domain += ["&", ("model", "=", model), ("res_id", "in", ids)]
        if not domain:
            return
        comment = self.env.ref("mail.mt_comment")
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", comment.id),
                    ("is_internal", "=", False),
                    *domain,
                ],
                order="id",
            )
        )
        rows = data.setdefault("mail.message", [])
        known = {row["id"] for row in rows}
        rows += self._rows_explicit(
            messages.filtered(lambda m: m.id not in known), field_names
        )

    @api.model
    def _partner_references(self):
        """``{model: [field names]}``: every stored many2one or many2many to
        ``res.partner`` of every installed model that has its own table."""
        references = {}
        for model_name in self.env:
            Model = self.env[model_name]
            if (
                model_name in SKIPPED_MODELS
                or Model._transient
                or Model._abstract
                or not Model._auto
            ):
                continue
            names = [
                name
                for name, field in Model._fields.items()
                if field.type in ("many2one", "many2many")
                and field.comodel_name == "res.partner"
                and field.store
                and not field.company_dependent
                and name not in ("create_uid", "write_uid")
            ]
            if model_name == "res.partner":
                names = ["id"]
            if names:
                references[model_name] = names
        return references

    @api.model
    def _privacy_domain(self, model_name, partners, field_names):
        """The records of ``model_name`` about the customer, without what the
        customer may not see (internal notes)."""
        domain = ["|"] * (len(field_names) - 1) + [
            (name, "in", partners.ids) for name in field_names
        ]
        if model_name == "mail.message":
            domain = [
                "&",
                "&",
                ("message_type", "in", ("email", "comment", "email_outgoing")),
                ("is_internal", "=", False),
                ("subtype_id.internal", "=", False),
            ] + domain
        elif model_name == "mail.activity":
            domain = [("id", "=", 0)]
        elif model_name == "cmr.care.gift":
            # A proposal is staff's idea until confirmed.
            domain = [("state", "=", "confirmed")] + domain
        elif model_name == "cmr.care.greeting":
            # A dropped greeting never reached the customer.
            domain = [("state", "=", "sent")] + domain
        return domain

    @api.model
    def _privacy_fields(self):
        """``{model: [field names]}``: the customer-visible fields of the
        models that have an explicit list (this addon's, the customer's own
        record, their orders, invoices and messages). Extend it for your
        models; never list internal notes, margins or staff-only fields."""
        return {
            "res.partner": [
                "name",
                "email",
                "phone",
                "mobile",
                "street",
                "street2",
                "zip",
                "city",
                "state_id",
                "country_id",
                "vat",
                "lang",
                "tz",
                "website",
                "function",
                "cmr_preferred_channel_id",
                "cmr_interest_ids",
                "cmr_topic_ids",
                "create_date",
            ],
            "sale.order": [
                "name",
                "date_order",
                "state",
                "amount_untaxed",
                "amount_tax",
                "amount_total",
                "currency_id",
                "client_order_ref",
                "partner_id",
                "partner_invoice_id",
                "partner_shipping_id",
            ],
            "account.move": [
                "name",
                "move_type",
                "state",
                "invoice_date",
                "invoice_date_due",
                "amount_untaxed",
                "amount_tax",
                "amount_total",
                "amount_residual",
                "currency_id",
                "ref",
                "payment_state",
                "partner_id",
            ],
            "account.payment": [
                "name",
                "date",
                "amount",
                "currency_id",
                "state",
                "memo",
            ],
            "mail.message": [
                "date",
                "subject",
                "body",
                "model",
                "record_name",
                "message_type",
                "author_id",
            ],
            "cmr.charter.log": [
                "date",
                "source",
                "item",
                "old_value",
                "new_value",
                "consent",
                "channel_id",
                "topic_id",
            ],
            "cmr.contact": [
                "date",
                "channel_id",
                "topic_id",
                "subject",
                "body",
                "state",
            ],
            "cmr.channel.preference": [
                "channel_id",
                "sequence",
                "cap_week",
                "cap_month",
            ],
            "cmr.contact.window": ["weekday", "hour_from", "hour_to"],
            "cmr.tier.history": [
                "date",
                "from_tier_id",
                "to_tier_id",
                "direction",
                "reason",
            ],
            "cmr.partner.tier": ["tier_id", "score", "ladder_id"],
            "cmr.membership": ["card_number", "alliance_id", "date_start", "date_end"],
            "cmr.points.line": [
                "date",
                "kind",
                "points",
                "reference",
                "alliance_id",
                "expires_on",
            ],
            "cmr.complaint": [
                "name",
                "subject",
                "description",
                "resolution",
                "state",
                "channel_received",
                "date_received",
                "category_id",
            ],
            "cmr.suggestion": [
                "name",
                "description",
                "category",
                "is_public",
                "stage",
                "date_submitted",
                "answer",
                "answer_date",
                "decision_date",
            ],
            "cmr.suggestion.support": ["suggestion_id", "date"],
            # Care: what the portal shows of a visit (never its notes, photos,
            # cost, reason or who planned it), the gifts given (not their
            # cost), the greetings sent and the recurring plans. What is left
            # of an entitlement follows from the visits: the entitlements
            # themselves are the tiers' and alliances' rules, not the
            # customer's data.
            "cmr.care.visit": [
                "name",
                "service_id",
                "state",
                "date_start",
                "date_end",
                "done_date",
                "outcome",
                "step_ids",
            ],
            "cmr.care.gift": ["product_id", "date"],
            "cmr.care.greeting": ["occasion", "day"],
            "cmr.care.plan": ["service_id", "interval", "next_date", "active"],
        }

    @api.model
    def _rows_explicit(self, records, field_names):
        field_names = [name for name in field_names if name in records._fields]
        rows = []
        for record in records:
            row = {"id": record.id}
            for name in field_names:
                row[name] = self._value(record, records._fields[name])
            rows.append(row)
        return rows

    @api.model
    def _rows_generic(self, records):
        """Name, date and reference only: the customer learns the record
        exists, not what staff wrote in it."""
        fields_ = records._fields
        date_field = next((f for f in GENERIC_DATE_FIELDS if f in fields_), None)
        ref_field = next((f for f in GENERIC_REFERENCE_FIELDS if f in fields_), None)
        rows = []
        for record in records:
            rows.append(
                {
                    "id": record.id,
                    "name": record.display_name or "",
                    "date": self._value(record, fields_[date_field])
                    if date_field
                    else "",
                    "reference": self._value(record, fields_[ref_field])
                    if ref_field
                    else "",
                }
            )
        return rows

    @api.model
    def _value(self, record, field):
        value = record[field.name]
        if field.type == "many2one":
            return value.display_name or ""
        if field.type in ("many2many", "one2many"):
            return ", ".join(value.mapped("display_name"))
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        if field.type == "html":
            return html2plaintext(value or "")
        if field.type in ("date", "datetime"):
            return value.isoformat() if value else ""
        if value is False and field.type != "boolean":
            return ""
        return value

    def _timeline_rows(self, partners):
        """The customer's timeline as the portal shows it (no internal event)."""
        Timeline = self.env["cmr.timeline"].sudo()
        rows, cursor = [], None
        customer = self.partner_id
        while len(rows) < RECORDS_MAX:
            page = Timeline._page(customer, limit=200, cursor=cursor, portal=True)
            rows += [
                {
                    "date": event["date"].isoformat(),
                    "kind": event["kind_label"],
                    "channel": event["channel_label"],
                    "who": event["who"] or "",
                    "summary": event["summary"],
                }
                for event in page["events"]
            ]
            cursor = page["next"]
            if not cursor:
                break
        return rows

    @api.model
    def _attachments(self, data):
        """The files the customer may see: of their suggestions, and of the
        messages they see (on their complaints, or exported), never an
        internal note's."""
        Attachment = self.env["ir.attachment"].sudo()
        ids = {
            model: [row["id"] for row in data.get(model, [])]
            for model in ("cmr.suggestion", "cmr.complaint", "mail.message")
        }
        files = Attachment.search(
            [
                ("res_model", "=", "cmr.suggestion"),
                ("res_id", "in", ids["cmr.suggestion"]),
            ]
        )
        comment = self.env.ref("mail.mt_comment")
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    "|",
                    ("id", "in", ids["mail.message"]),
                    "&",
                    "&",
                    ("model", "=", "cmr.complaint"),
                    ("res_id", "in", ids["cmr.complaint"]),
                    "&",
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", comment.id),
                ]
            )
        )
        files |= messages.attachment_ids
        kept, size = Attachment, 0
        for attachment in files.sorted("id"):
            size += attachment.file_size or 0
            if size > ATTACHMENTS_MAX_BYTES:
                break
            kept |= attachment
        return kept

    @api.model
    def _zip(self, data, attachments=None):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "data.json", json.dumps(data, indent=1, ensure_ascii=False, default=str)
            )
            for section, rows in data.items():
                if not rows:
                    continue
                text = io.StringIO()
                writer = SpreadsheetSafeWriter(csv.writer(text))
                columns = list(rows[0])
                writer.writerow(columns)
                for row in rows:
                    writer.writerow([self._cell(row.get(column)) for column in columns])
                archive.writestr(f"csv/{section}.csv", text.getvalue())
            for attachment in attachments or []:
                name = (attachment.name or "file").replace("/", "_")[:100]
                archive.writestr(
                    f"attachments/{attachment.id}-{name}", attachment.raw or b""
                )
        return buffer.getvalue()

    @api.model
    def _cell(self, value):
        if value is None or value is False:
            return ""
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, default=str)
        return value

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    @api.model
    def _portal_exports(self, partner):
        return self.sudo().search(
            [("partner_id", "=", partner.commercial_partner_id.id)], limit=10
        )
