"""The addon's raw SQL helpers and database tuning, in one place.

Raw SQL is written with ``odoo.tools.SQL`` and run with
``env.execute_query``. It is used only where the ORM would issue one query per
record on the whole customer base (the contact gate, the tier evaluation, the
points expiry); everything else goes through the ORM.

Database tuning lives here, and only here:

- ``without_jit``: PostgreSQL's JIT compiler is switched off for the
  transaction while a query runs whose plan it overestimates (the gate's query
  on a large base compiles for longer than it runs).
- ``set_fillfactor``: tables rewritten in place at every re-evaluation keep
  free room in their pages, so that updates stay on the same page (HOT
  updates) and indexes are not touched.
"""

from contextlib import contextmanager

from odoo.tools import SQL


@contextmanager
def without_jit(env):
    """Run the block with PostgreSQL's JIT off, then restore the setting."""
    [[jit]] = env.execute_query(SQL("SELECT current_setting('jit')"))
    env.execute_query(SQL("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        env.execute_query(SQL("SELECT set_config('jit', %s, true)", jit))


def set_fillfactor(env, table, percent):
    """Keep ``100 - percent`` % of each page of ``table`` free for updates."""
    env.execute_query(
        SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), int(percent))
    )


def related_columns(model, many2one):
    """Stored related fields of ``model`` that read through ``many2one``.

    A raw ``INSERT ... SELECT`` that bypasses the ORM must copy them itself:
    ``[(column, source column on the many2one's table)]``, e.g. for
    ``cmr.points.line`` through ``membership_id``:
    ``[("partner_id", "partner_id"), ("company_id", "company_id"), ...]``.
    Adding a stored related field to the model then keeps the raw insert right.
    """
    columns = []
    for name, field in model._fields.items():
        if not (field.store and field.related):
            continue
        path = field.related.split(".")
        if len(path) == 2 and path[0] == many2one:
            columns.append((name, path[1]))
    return columns


def audit_values(env, now):
    """``create_uid, create_date, write_uid, write_date`` of a raw insert."""
    return SQL("%s, %s, %s, %s", env.uid, now, env.uid, now)


# Revenue and margin of each commercial partner over a window of invoice
# dates: the CTEs ``revenue`` and ``margin`` of the queries that score
# customers (tier evaluation, lifetime value). Placeholders left for the
# query's parameters: ``%(company_id)s``, ``%(company_key)s`` (the company id
# as text, the key of the product's company-dependent cost).
_REVENUE_MARGIN_CTES = """
revenue AS (
    SELECT m.commercial_partner_id AS partner_id,
           SUM(m.amount_untaxed_signed) AS revenue
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND {window}
     GROUP BY m.commercial_partner_id
),
margin AS (
    -- Product lines whose cost is known; credit notes count negative. (The
    -- cost tested inside the sum, not in WHERE: the planner then reads the
    -- lines in parallel instead of one move lookup per line of the few
    -- products it expects.)
    SELECT m.commercial_partner_id AS partner_id,
           SUM(CASE WHEN (pp.standard_price ->> %(company_key)s)::numeric > 0
                    THEN -l.balance - CASE WHEN m.move_type = 'out_refund'
                                           THEN -1 ELSE 1 END
                         * l.quantity * (pp.standard_price ->> %(company_key)s)::numeric
               END) AS margin
      FROM account_move m
      JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
      JOIN product_product pp ON pp.id = l.product_id
     WHERE {margin_wanted}
       AND m.company_id = %(company_id)s
       AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND {window}
     GROUP BY m.commercial_partner_id
)"""


def revenue_margin_ctes(window, margin_wanted="TRUE"):
    """The text of the CTEs ``revenue`` and ``margin`` (see above), for a
    query written with named placeholders. ``window`` is the condition on
    ``m.invoice_date``; ``margin_wanted`` a condition that skips the margin's
    read of the invoice lines when false (e.g. ``%(use_margin)s``)."""
    return _REVENUE_MARGIN_CTES.replace("{window}", window).replace(
        "{margin_wanted}", margin_wanted
    )
