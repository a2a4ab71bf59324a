import { registry } from "@web/core/registry";

// A manager opens a member's card, adjusts its points with a reason, then
// looks at the member activity graph and pivot.
registry.category("web_tour.tours").add("cmr_alliance_backend", {
    steps: () => [
        {
            content: "Open the tour member's card",
            trigger: ".o_list_view .o_data_row:contains('8860970000000014') td.o_data_cell",
            run: "click",
        },
        {
            content: "The card shows its points balance",
            trigger: ".o_form_view button[name='action_view_points'] .o_stat_value:contains('500')",
        },
        {
            content: "Adjust its points",
            trigger: ".o_form_view .o_form_statusbar button:contains('Adjust Points')",
            run: "click",
        },
        {
            content: "Add 25 points",
            trigger: ".modal .o_field_widget[name='points'] input",
            run: "edit 25",
        },
        {
            content: "with a reason",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Goodwill after a late delivery",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_adjust']",
            run: "click",
        },
        {
            content: "The balance includes the adjustment",
            trigger: ".o_form_view button[name='action_view_points'] .o_stat_value:contains('525')",
        },
        {
            content: "Open the card's ledger",
            trigger: ".o_form_view button[name='action_view_points']",
            run: "click",
        },
        {
            content: "The ledger lists the adjustment",
            trigger: ".o_list_view .o_data_row:contains('Adjustment'):contains('25')",
        },
    ],
});

registry.category("web_tour.tours").add("cmr_alliance_backend_activity", {
    steps: () => [
        {
            content: "The member activity graph is drawn",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot counts the active members",
            trigger: ".o_pivot_view .o_pivot_measure_row:contains('Active Members')",
        },
    ],
});
