// The page's language on every request its scripts make to the dashboard (the layout and
// the callbacks): those requests carry no ?lang=, so without it the server would answer
// them in the browser's Accept-Language, not in the language the reader chose
// (dashboard/language.py reads this header).
(function () {
    var original = window.fetch;
    if (!original) { return; }
    window.fetch = function (input, init) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        if (url.indexOf("_dash-") !== -1) {
            var headers = new Headers((init && init.headers) || {});
            headers.set("X-ILM-Language", document.documentElement.lang || "en");
            init = Object.assign({}, init || {}, {headers: headers});
        }
        return original.call(this, input, init);
    };
})();
