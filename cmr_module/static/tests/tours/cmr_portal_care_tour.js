import { registry } from "@web/core/registry";

// The stamp collector requests a safety inspection in his evening window.
registry.category("web_tour.tours").add("cmr_portal_care_request", {
    url: "/my",
    steps: () => [
        {
            content: "Open my care from the portal home",
            trigger: "a[href='/my/care']",
            run: "click",
        },
        {
            content: "The safety inspection says what is left",
            trigger: ".o_cmr_care_service:contains('Safety inspection') .o_cmr_care_left",
        },
        {
            content: "Slots are offered in my windows",
            trigger: ".o_cmr_care_service:contains('Safety inspection') select[name='slot'] option:not(:visible)",
        },
        {
            content: "Request the first slot offered",
            trigger: ".o_cmr_care_service:contains('Safety inspection') button.o_cmr_care_request",
            run: "click",
        },
        {
            content: "The request is recorded",
            trigger: ".o_cmr_care_message",
        },
        {
            content: "It is listed among my upcoming visits",
            trigger: ".o_cmr_care_upcoming:contains('Safety inspection')",
        },
    ],
});

// ... and rates the visit, once done, 5 out of 5.
registry.category("web_tour.tours").add("cmr_portal_care_rate", {
    url: "/my/care",
    steps: () => [
        {
            content: "Open the done visit to rate it",
            trigger: ".o_cmr_care_past a.o_cmr_care_rate_link",
            run: "click",
        },
        {
            content: "Give it 5",
            trigger: ".o_cmr_care_rate_form label[for='rate_5']",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".o_cmr_care_rate_form textarea[name='feedback']",
            run: "edit Punctual and careful",
        },
        {
            content: "Send the rating",
            trigger: ".o_cmr_care_rate_form button.o_cmr_care_rate",
            run: "click",
        },
        {
            content: "Thanked for the rating",
            trigger: ".o_cmr_care_message",
        },
    ],
});
