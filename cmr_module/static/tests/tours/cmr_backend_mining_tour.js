import { registry } from "@web/core/registry";

// A CMR Manager opens the customers at risk and churned, drills down into
// a churned customer and records why they left.
registry.category("web_tour.tours").add("cmr_backend_mining_churn_reason", {
    steps: () => [
        {
            content: "Look for the customer",
            trigger: ".o_searchview_input",
            run: "edit Tour Churned Bakery",
        },
        {
            content: "Search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "The search is applied",
            trigger: ".o_searchview_facet:contains('Tour Churned Bakery')",
        },
        {
            content: "Open the churned customers: the one found",
            trigger: ".o_list_view .o_group_name:contains('Churned (1)')",
            run: "click",
        },
        {
            content: "Drill down into the churned customer",
            trigger: ".o_list_view .o_data_row:contains('Tour Churned Bakery') td.o_data_cell",
            run: "click",
        },
        {
            content: "Its activity says churned",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Churned')",
        },
        {
            content: "Record a churn reason",
            trigger: ".o_form_view .o_form_statusbar button[name='action_record_churn_reason']",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".modal .o_field_widget[name='reason_id'] input",
            run: "edit Went to a",
        },
        {
            content: "Went to a competitor",
            trigger: ".o-autocomplete--dropdown-item:contains('Went to a competitor')",
            run: "click",
        },
        {
            content: "In the customer's words",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Cheaper flour across the street",
        },
        {
            content: "Record",
            trigger: ".modal button[name='action_record']",
            run: "click",
        },
        {
            content: "Back on the customer's activity",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name='partner_id']:contains('Tour Churned Bakery')",
        },
    ],
});

// A team member opens a key account's review and gives a colleague an
// action item.
registry.category("web_tour.tours").add("cmr_backend_keyaccount_action_item", {
    steps: () => [
        {
            content: "The review's agenda comes from the mining center",
            trigger: ".o_form_view .o_field_widget[name='agenda']:contains('Open complaints')",
        },
        {
            content: "Add an action item",
            trigger: ".o_form_view .o_form_statusbar button[name='action_add_action_item']",
            run: "click",
        },
        {
            content: "What is to be done",
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: "edit Send the new price list",
        },
        {
            content: "By whom",
            trigger: ".modal .o_field_widget[name='user_id'] input",
            run: "edit Sales Tour",
        },
        {
            content: "The sales member",
            trigger: ".o-autocomplete--dropdown-item:contains('Sales Tour Xu')",
            run: "click",
        },
        {
            content: "Add it",
            trigger: ".modal button[name='action_add']",
            run: "click",
        },
        {
            content: "The action item is planned on the review",
            trigger: "body:not(:has(.modal)) .o-mail-Activity:contains('Send the new price list')",
        },
    ],
});
