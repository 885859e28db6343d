/* bordergeo maps: popups, tooltips and legends built from the layer declarations. Needs only Leaflet. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }

  /* the same as maps.ports.page_file: a feature id made safe for a file name */
  function fileSafe(id) {
    return String(id).replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "") || "port";
  }

  function format(value, prop) {
    if (value === null || value === undefined || value === "") { return "–"; }
    if (typeof value === "number") {
      var digits = prop.type === "integer" ? 0 : (Math.abs(value) >= 100 ? 1 : 3);
      return value.toLocaleString("en-US", { maximumFractionDigits: digits });
    }
    if (typeof value === "boolean") { return value ? "yes" : "no"; }
    return esc(value);
  }

  function name(feature, schema) {
    var props = feature.properties || {};
    var value = props[schema.titleField];
    return value === null || value === undefined ? String(props[schema.idField]) : String(value);
  }

  function popupHtml(feature, schema) {
    var props = feature.properties || {};
    var rows = schema.props.map(function (p) {
      var unit = p.unit && props[p.name] !== null ? " " + esc(p.unit) : "";
      return "<tr title=\"" + esc(p.description) + "\"><th>" + esc(p.label) + "</th><td>" +
        format(props[p.name], p) + unit + "</td></tr>";
    });
    return "<div class=\"bg-popup\"><div class=\"bg-popup-layer\">" + esc(schema.title) + "</div>" +
      "<h3>" + esc(name(feature, schema)) + "</h3><table>" + rows.join("") + "</table>" +
      (schema.link ? "<a class=\"bg-popup-link\" href=\"" + esc(schema.link.replace("{id}", fileSafe(props[schema.idField]))) +
        "\">" + esc(schema.linkText) + "</a>" : "") + "</div>";
  }

  /* onEachFeature for a layer: a popup with every declared property and a tooltip with the feature's name. */
  function describe(schema) {
    return function (feature, layer) {
      layer.bindPopup(function () { return popupHtml(feature, schema); }, { maxWidth: 380, maxHeight: 340 });
      layer.bindTooltip(esc(name(feature, schema)), { sticky: true, className: "bg-tooltip" });
    };
  }

  /* One legend control; each entry's section shows while its layer is on the map. */
  function legend(map, entries) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "bg-legend leaflet-control");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      entries.forEach(function (entry) {
        var section = L.DomUtil.create("section", "bg-legend-section", div);
        section.setAttribute("data-layer", entry.id);
        section.innerHTML = entry.html;
        entry.section = section;
        section.style.display = map.hasLayer(entry.layer) ? "" : "none";
      });
      return div;
    };
    control.addTo(map);
    function toggle(e, shown) {
      entries.forEach(function (entry) {
        if (entry.layer === e.layer) { entry.section.style.display = shown ? "" : "none"; }
      });
    }
    map.on("overlayadd", function (e) { toggle(e, true); });
    map.on("overlayremove", function (e) { toggle(e, false); });
    return control;
  }

  /* A box of HTML (e.g. a chart) as a map control, stacked with the other controls of its corner. */
  function panel(map, html, position) {
    var control = L.control({ position: position || "topright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "bg-panel leaflet-control");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  }

  /* Expose the map and its layers by id (handy in the console, used by the browser tests). */
  function register(map, layers) {
    window.bordergeo.map = map;
    window.bordergeo.layers = layers;
  }

  window.bordergeo = { describe: describe, legend: legend, panel: panel, register: register, popupHtml: popupHtml };
}());
