import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cmr_backend_charter_ledger", {
    steps: () => [
        {
            content: "The ledger lists the channel the customer accepted in the portal",
            trigger: ".o_list_view .o_data_row:contains('Joel Willis'):contains('SMS')",
        },
        {
            content: "Open the ledger line",
            trigger: ".o_list_view .o_data_row:contains('Joel Willis'):contains('SMS') td.o_data_cell",
            run: "click",
        },
        {
            content: "The line says the customer made the change in the portal",
            trigger: ".o_form_view .o_field_widget[name='source']:contains('Portal')",
        },
    ],
});
