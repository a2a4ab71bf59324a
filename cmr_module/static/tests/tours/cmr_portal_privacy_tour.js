import { registry } from "@web/core/registry";

// A customer files a public suggestion, then asks for everything held
// about them.
registry.category("web_tour.tours").add("cmr_portal_suggest_and_export", {
    url: "/my",
    steps: () => [
        {
            content: "Open my suggestions from the portal home",
            trigger: "a[href='/my/suggestions']",
            run: "click",
        },
        {
            content: "Make a suggestion",
            trigger: "a.o_cmr_suggestion_new",
            run: "click",
        },
        {
            content: "About a service",
            trigger: "select[name='category']",
            run: "select service",
        },
        {
            content: "Give it a title",
            trigger: "input[name='name']",
            run: "edit Evening pick-up at the counter",
        },
        {
            content: "Describe it",
            trigger: "textarea[name='description']",
            run: "edit Let us collect orders until 21:00.",
        },
        {
            content: "Make it public",
            trigger: "input[name='is_public']",
            run: "click",
        },
        {
            content: "Submit",
            trigger: "button.o_cmr_suggestion_submit",
            run: "click",
        },
        {
            content: "The suggestion is shown, submitted",
            trigger: ".o_cmr_suggestion h3:contains('Evening pick-up at the counter')",
        },
        {
            content: "Go to my data",
            trigger: "body",
            run() {
                window.location.href = "/my/privacy";
            },
        },
        {
            content: "Ask for everything you hold about me",
            trigger: "button.o_cmr_privacy_export",
            run: "click",
        },
        {
            content: "The export is being prepared",
            trigger: ".o_cmr_message",
        },
    ],
});

registry.category("web_tour.tours").add("cmr_portal_download_export", {
    url: "/my/privacy",
    steps: () => [
        {
            content: "The ready export offers its download",
            trigger: "a.o_cmr_privacy_download[href*='/download']",
        },
    ],
});
