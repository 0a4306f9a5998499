/* What Dash 4's own components tell assistive technology, corrected in the browser, where
   their markup is made (none of it can be set from Python):
   - a dropdown's button is named by its value alone ("All"), through an aria-labelledby
     that overrides the <label for>, and is reached through an aria-hidden input that
     hands the focus on: the button takes the focus itself and is named by its label
     followed by its value ("Country of work All");
   - radio items are native radios wrapped in role=option labels inside role=listbox:
     a listbox of options holding radios is announced as neither, so the roles go and
     the native radios (in our role=radiogroup) speak for themselves;
   - the upload's file input takes the focus unnamed: it is named by its drop zone;
   - dcc.Link takes no aria-current: the navigation's active link gets it;
   - a chart's SVG is a heap of loose tick strings: hidden from assistive technology,
     as the chart's role=figure is named by its title and described by its summary, and
     its numbers are behind "View as table".
   React keeps what it last rendered and sets an attribute again only when its value
   changes (aria-selected on a click), so the corrections are made again after every
   change of the page, batched into one pass a frame. */
(function () {
  "use strict";

  function labelFor(button) {
    var label = document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
    if (!label && button.closest(".dash-dropdown-wrapper")) {
      // A view option's name is the .form-label beside its dropdown.
      var field = button.closest(".dash-dropdown-wrapper").parentElement;
      label = field && field.querySelector(":scope > .form-label");
    }
    return label;
  }

  function fixDropdown(wrapper) {
    var proxy = wrapper.querySelector(":scope > .dash-dropdown-focus-target");
    var button = wrapper.querySelector(":scope > button.dash-dropdown");
    if (!button) {
      return;
    }
    if (proxy && !proxy.disabled) {
      proxy.disabled = true;
    }
    if (!button.disabled && button.tabIndex !== 0) {
      button.tabIndex = 0;
    }
    var label = labelFor(button);
    if (!label) {
      return;
    }
    if (!label.id) {
      label.id = button.id + "-label";
    }
    // Its name first, then what it shows: the visible value stays part of the name
    // (WCAG 2.5.3, label in name), so a voice command that says "All" still finds it.
    var name = [label.id, button.id + "-value-count", button.id + "-value"]
      .filter(function (id) { return document.getElementById(id); })
      .join(" ");
    if (button.getAttribute("aria-labelledby") !== name) {
      button.setAttribute("aria-labelledby", name);
    }
  }

  function fixRadios(list) {
    if (list.getAttribute("role") === "listbox") {
      list.removeAttribute("role");
    }
    list.querySelectorAll(":scope > label").forEach(function (option) {
      if (option.hasAttribute("role")) {
        option.removeAttribute("role");
      }
      if (option.hasAttribute("aria-selected")) {
        option.removeAttribute("aria-selected");
      }
    });
  }

  function fixUpload(input) {
    var zone = input.parentElement;
    var text = zone && zone.querySelector(":scope > div");
    if (!text) {
      return;
    }
    if (!text.id) {
      text.id = (zone.parentElement.id || "upload") + "-label";
    }
    if (input.getAttribute("aria-labelledby") !== text.id) {
      input.setAttribute("aria-labelledby", text.id);
    }
  }

  function fixChart(svg) {
    if (svg.getAttribute("aria-hidden") !== "true") {
      svg.setAttribute("aria-hidden", "true");
    }
  }

  function fixNavigation(link) {
    // dcc.Link takes no aria attributes: the server marks the current view's link
    // "active" (callbacks/shell.py), and it is told as the current page here.
    if (link.classList.contains("active")) {
      if (link.getAttribute("aria-current") !== "page") {
        link.setAttribute("aria-current", "page");
      }
    } else if (link.hasAttribute("aria-current")) {
      link.removeAttribute("aria-current");
    }
  }

  function fixAll() {
    document.querySelectorAll(".dash-dropdown-wrapper").forEach(fixDropdown);
    document.querySelectorAll(".dash-radioitems, .dash-checklist").forEach(fixRadios);
    document.querySelectorAll('.upload-zone input[type="file"]').forEach(fixUpload);
    document.querySelectorAll(".js-plotly-plot .main-svg").forEach(fixChart);
    document.querySelectorAll(".site-nav a.nav-link").forEach(fixNavigation);
  }

  var queued = false;
  function queue() {
    if (!queued) {
      queued = true;
      window.requestAnimationFrame(function () {
        queued = false;
        fixAll();
      });
    }
  }

  function start() {
    fixAll();
    new MutationObserver(queue).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["role", "aria-selected", "aria-labelledby", "tabindex", "class"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
