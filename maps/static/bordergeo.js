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

  function format(value, prop, schema) {
    if (value === null || value === undefined || value === "") { return "–"; }
    if (typeof value === "number") {
      var digits = prop.type === "integer" ? 0 : (Math.abs(value) >= 100 ? 1 : 3);
      return value.toLocaleString(schema.locale || "en-US", { maximumFractionDigits: digits });
    }
    if (typeof value === "boolean") { return value ? esc(schema.yes || "yes") : esc(schema.no || "no"); }
    return esc(value);
  }

  /* the feature's name in the page's language: the Spanish name where the layer has one, else its title */
  function name(feature, schema) {
    var props = feature.properties || {};
    var fields = [schema.nameField, schema.titleField, schema.idField];
    for (var i = 0; i < fields.length; i++) {
      var value = props[fields[i]];
      if (fields[i] && value !== null && value !== undefined && value !== "") { return String(value); }
    }
    return "";
  }

  function popupHtml(feature, schema) {
    var props = feature.properties || {};
    var rows = schema.props.map(function (p) {
      var unit = p.unit && props[p.name] !== null ? " " + esc(p.unit) : "";
      return "<tr title=\"" + esc(p.description) + "\"><th>" + esc(p.label) + "</th><td>" +
        format(props[p.name], p, schema) + unit + "</td></tr>";
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

  /* Small screens start with the controls folded: the map comes first. */
  function startFolded(map) {
    var size = map.getSize();
    return size.x < 600 || size.y < 560;
  }

  /* A header button that folds a control's body away and back (aria-expanded says which). */
  function foldable(container, body, title, folded) {
    var button = L.DomUtil.create("button", "bg-fold", container);
    button.type = "button";
    button.textContent = title;
    container.insertBefore(button, container.firstChild);
    function set(isFolded) {
      L.DomUtil[isFolded ? "addClass" : "removeClass"](container, "bg-folded");
      button.setAttribute("aria-expanded", isFolded ? "false" : "true");
      body.hidden = isFolded;
    }
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.stop(e);
      set(!body.hidden);
    });
    set(folded);
    return button;
  }

  /* One legend control; each entry's section shows while its layer is on the map. */
  function legend(map, entries, title) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "bg-legend leaflet-control");
      var body = L.DomUtil.create("div", "bg-legend-body", div);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      foldable(div, body, title || "Legend", startFolded(map));
      entries.forEach(function (entry) {
        var section = L.DomUtil.create("section", "bg-legend-section", body);
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
  function panel(map, html, position, title) {
    /* on a phone the title box fills the top: a folded panel waits bottom right, above the attribution */
    var corner = title && startFolded(map) ? "bottomright" : (position || "topright");
    var control = L.control({ position: corner });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "bg-panel leaflet-control");
      var body = L.DomUtil.create("div", "bg-panel-body", div);
      body.innerHTML = html;
      if (title) { foldable(div, body, title, startFolded(map)); }
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  }

  /* The layer control folds like the legend; one attribution line replaces Leaflet's line per layer. */
  function furniture(map, layersControl, options) {
    var container = layersControl.getContainer();
    var body = container.querySelector(".leaflet-control-layers-list");
    L.DomUtil.addClass(container, "bg-layers");
    foldable(container, body, options.layersTitle, startFolded(map) || map.getSize().x < 1100);
    var attribution = map.attributionControl;
    if (attribution) {
      attribution.setPrefix('<a href="https://leafletjs.com" title="Leaflet, BSD-2-Clause">Leaflet</a>');
      attribution.addAttribution(options.attribution);
    }
  }

  var canvas = null;
  function textWidth(text, font) {
    canvas = canvas || document.createElement("canvas");
    var ctx = canvas.getContext("2d");
    ctx.font = font;
    return ctx.measureText(text).width;
  }

  function overlaps(a, b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  var LABEL_FONT = { point: "12px system-ui, sans-serif", line: "italic 12px system-ui, sans-serif",
    area: "600 11px system-ui, sans-serif" };
  var LABEL_HEIGHT = 16;

  /* Labels by priority: each group's items ([lat, lon, text, minZoom, radius], biggest first) are placed
     from their zoom on, unless they would overlap a label already placed; redone after every move. */
  function labels(map, groups) {
    var pane = map.getPane("bg-labels") || map.createPane("bg-labels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    var layer = L.layerGroup().addTo(map);
    function draw() {
      layer.clearLayers();
      var zoom = map.getZoom(), size = map.getSize(), placed = [];
      groups.forEach(function (group) {
        if (group.layer && !map.hasLayer(group.layer)) { return; }
        var font = LABEL_FONT[group.kind];
        group.items.forEach(function (item) {
          if (item[3] > zoom) { return; }
          var p = map.latLngToContainerPoint([item[0], item[1]]);
          if (p.x < -100 || p.y < -20 || p.x > size.x + 100 || p.y > size.y + 20) { return; }
          var w = Math.ceil(textWidth(item[2], font)) + 6, h = LABEL_HEIGHT, r = item[4] + 2;
          /* a point's label goes right of it, else left, above or below (twin cities both get one) */
          var offsets = group.kind === "point" ?
            [[r, -h / 2], [-r - w, -h / 2], [-w / 2, -r - h], [-w / 2, r]] : [[-w / 2, -h / 2]];
          var spot = null;
          for (var k = 0; k < offsets.length && !spot; k++) {
            var box = [p.x + offsets[k][0], p.y + offsets[k][1], p.x + offsets[k][0] + w, p.y + offsets[k][1] + h];
            var inside = box[0] >= 0 && box[2] <= size.x;
            var free = !placed.some(function (other) { return overlaps(box, other); });
            /* the last choice may run off the edge (better cut than missing); the others must fit */
            if (free && (inside || k === offsets.length - 1)) { spot = offsets[k]; placed.push(box); }
          }
          if (!spot) { return; }
          var icon = L.divIcon({ className: "bg-label bg-label-" + group.kind + " bg-label-" + group.id,
            html: esc(item[2]), iconSize: [w, h], iconAnchor: [-spot[0], -spot[1]] });
          L.marker([item[0], item[1]], { icon: icon, interactive: false, keyboard: false, pane: "bg-labels" })
            .addTo(layer);
        });
      });
    }
    map.on("zoomend moveend overlayadd overlayremove baselayerchange", draw);
    map.whenReady(draw);
    window.bordergeo.labelGroups = groups;
    return layer;
  }

  /* Proportional symbols shrink when zoomed out (a city-sized circle would cover a state); the smallest
     stay clickable. Radii are px, so this is redone on every zoom. */
  var SYMBOL_ZOOM = 7, MIN_SYMBOL = 3;
  function scaleSymbols(map, layers) {
    function apply() {
      var f = Math.min(1, Math.pow(2, (map.getZoom() - SYMBOL_ZOOM) / 2));
      Object.keys(layers).forEach(function (id) {
        layers[id].eachLayer(function (l) {
          if (!l.setRadius) { return; }
          if (l._bgRadius === undefined) { l._bgRadius = l.getRadius(); }
          l.setRadius(Math.max(Math.min(l._bgRadius, MIN_SYMBOL), l._bgRadius * f));
        });
      });
    }
    map.on("zoomend", apply);
    apply();
  }

  /* Expose the map and its layers by id (handy in the console, used by the browser tests). */
  function register(map, layers) {
    window.bordergeo.map = map;
    window.bordergeo.layers = layers;
    scaleSymbols(map, layers);
  }

  window.bordergeo = { describe: describe, legend: legend, panel: panel, register: register, popupHtml: popupHtml,
    furniture: furniture, labels: labels };
}());
