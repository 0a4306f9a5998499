/* "View as table": the server sends a chart's table as plain strings (caption, header,
   rows) and the browser builds the accessible table here, so a large table costs the
   server one small JSON document instead of hundreds of components. The markup is the
   same as layouts.components.data_table builds on the server. */
(function () {
  "use strict";

  function el(type, props) {
    return { type: type, namespace: "dash_html_components", props: props };
  }

  /* The table around its body rows, or the reason there is nothing to show. `row`
     turns one payload row into the children of its <tr>. */
  function build(payload, row) {
    if (!payload) {
      return null;
    }
    if (!payload.rows) {
      return el("P", {
        children: payload.empty || "",
        className: "empty-state alert alert-secondary mb-2",
      });
    }
    // A column about a nationality, industry or corridor links to its profile page.
    var headerLinks = payload.headerLinks || [];
    var head = el("Tr", {
      children: payload.header.map(function (text, i) {
        var label = headerLinks[i] ? el("A", { children: text, href: headerLinks[i] }) : text;
        return el("Th", { children: label, scope: "col" });
      }),
    });
    return el("Table", {
      className: "table table-sm table-striped align-middle",
      children: [
        el("Caption", { children: payload.caption }),
        el("Thead", { children: head }),
        el("Tbody", {
          children: payload.rows.map(function (cells, i) {
            return el("Tr", { children: row(cells, i) });
          }),
        }),
      ],
    });
  }

  /* A chart's "View as table": built only while its <details> is open (an odd number of
     clicks on its summary; Enter and Space click a summary too), dropped when closed, so
     the page carries no hidden table through every later update. */
  function table(payload, clicks) {
    if (!clicks || clicks % 2 === 0) {
      // Closed: a new answer leaves the (already empty) table alone. Setting it empty
      // again was one more update of the page's store per chart on every filter change,
      // and dash-renderer re-checks every component on each one.
      var context = window.dash_clientside.callback_context;
      var toggled = (context.triggered || []).some(function (t) {
        return /\.n_clicks$/.test(t.prop_id);
      });
      return toggled ? null : window.dash_clientside.no_update;
    }
    var links = payload && payload.links;
    return build(payload, function (row, i) {
      // A row about a country, industry or corridor links to its profile page.
      var label = links && links[i] ? el("A", { children: row[0], href: links[i] }) : row[0];
      return [el("Th", { children: label, scope: "row" })].concat(
        row.slice(1).map(function (text) {
          return el("Td", { children: text, className: "text-end" });
        })
      );
    });
  }

  /* The Ethical Recruitment corridor table, drawn straight into the page like the
     exposure profile's tables (below): one element for Dash's renderer to track instead
     of about 200 components, which it re-checked on every update of the page (a filter
     change on /recruitment spent seconds there at 4x CPU). Each row is headed by a plain
     button that picks the corridor (assets/09_clicks.js), and the issues column keeps a
     readable width so a phone scrolls the table sideways instead of breaking it into one
     word per line. Row: [code, label, cases, workers, issues, rate, trend]; beside each
     button, a link to the corridor's profile. */
  function corridorTable(payload) {
    if (!payload) {
      return null;
    }
    return el("Div", {
      key: "corridor-table",
      className: "drawn-table",
      "data-ilm-table": JSON.stringify(Object.assign({ kind: "corridors" }, payload)),
    });
  }

  function corridorRow(payload, cells, i) {
    var code = cells[0];
    var selected = code === payload.selected;
    var tr = node("tr");
    var th = node("th", null, { scope: "row" });
    th.appendChild(
      node("button", cells[1], {
        type: "button",
        class: "btn btn-link p-0 text-start" + (selected ? " fw-bold" : ""),
        title: payload.follow,
        "aria-pressed": selected ? "true" : "false",
        "data-ilm-corridor": code,
        "data-ilm-patch": payload.patch,
      })
    );
    var href = payload.links && payload.links[i];
    if (href) {
      th.appendChild(
        node("a", payload.linkText, {
          href: href,
          class: "small ms-2 profile-link",
          "aria-label": payload.linkNames[i],
        })
      );
    }
    tr.appendChild(th);
    cells.slice(2).forEach(function (text, column) {
      tr.appendChild(
        column === 2
          ? node("td", text, { style: "min-width: 14rem" })
          : node("td", text, { class: "text-end" })
      );
    });
    return tr;
  }

  /* Tables drawn straight into the page (layouts.components.drawn_table): the payload
     rides on one element's data-ilm-table attribute and becomes plain DOM here, with the
     markup data_table gives, so the renderer tracks one element instead of every cell.
     Text goes in as text (textContent), never as HTML. */
  function node(type, text, props) {
    var element = document.createElement(type);
    if (text !== null && text !== undefined) {
      element.textContent = String(text);
    }
    Object.keys(props || {}).forEach(function (name) {
      element.setAttribute(name, props[name]);
    });
    return element;
  }

  function linked(text, href) {
    if (!href) {
      return document.createTextNode(String(text));
    }
    return node("a", text, { href: href });
  }

  function domTable(payload) {
    if (!payload.rows) {
      return node("p", payload.empty || "", { class: "empty-state alert alert-secondary mb-2" });
    }
    var table = node("table", null, { class: "table table-sm table-striped align-middle" });
    table.appendChild(node("caption", payload.caption));
    var head = node("tr");
    var headerLinks = payload.headerLinks || [];
    payload.header.forEach(function (text, i) {
      var th = node("th", null, { scope: "col" });
      th.appendChild(linked(text, headerLinks[i]));
      head.appendChild(th);
    });
    table.appendChild(node("thead")).appendChild(head);
    var body = node("tbody");
    var links = payload.links || [];
    payload.rows.forEach(function (cells, i) {
      if (payload.kind === "corridors") {
        body.appendChild(corridorRow(payload, cells, i));
        return;
      }
      var tr = node("tr");
      var th = node("th", null, { scope: "row" });
      th.appendChild(linked(cells[0], links[i]));
      tr.appendChild(th);
      cells.slice(1).forEach(function (text) {
        tr.appendChild(node("td", text, { class: "text-end" }));
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  var ATTRIBUTE = "data-ilm-table";

  function draw(mount) {
    var source = mount.getAttribute(ATTRIBUTE);
    if (mount.__ilmDrawn === source) {
      return;
    }
    mount.__ilmDrawn = source;
    mount.replaceChildren(domTable(JSON.parse(source)));
  }

  function drawWithin(element) {
    if (element.hasAttribute(ATTRIBUTE)) {
      draw(element);
    }
    element.querySelectorAll("[" + ATTRIBUTE + "]").forEach(draw);
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") {
        draw(record.target);
        return;
      }
      record.addedNodes.forEach(function (added) {
        // A chart's drawing adds thousands of SVG nodes: none of them holds a table.
        if (added.nodeType === 1 && !(added instanceof SVGElement)) {
          drawWithin(added);
        }
      });
    });
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: [ATTRIBUTE],
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    ilm: Object.assign({}, (window.dash_clientside || {}).ilm, {
      table: table,
      corridorTable: corridorTable,
    }),
  });
})();
