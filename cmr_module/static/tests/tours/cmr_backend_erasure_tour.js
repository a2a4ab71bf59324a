import { registry } from "@web/core/registry";

// A CMR Manager reviews an erasure request and approves it.
registry.category("web_tour.tours").add("cmr_backend_erasure_approve", {
    steps: () => [
        {
            content: "The request warns of the open complaint",
            trigger: ".o_form_view .alert-warning:contains('open complaints')",
        },
        {
            content: "Approve and erase",
            trigger: ".o_form_view .o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The request is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Erased')",
        },
        {
            content: "Its log tells what was done",
            trigger: ".o_form_view .o_field_widget[name='log_ids'] .o_data_row:contains('done')",
        },
    ],
});
