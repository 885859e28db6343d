// Draws a page's features on a Leaflet map. GeoJSON is fetched by URL (data-url), never inlined in the
// page; data-context (the boundary) is drawn underneath in grey; data-bbox outlines the layer's extent;
// on a feature's page data-neighbours (the same collection, asked for around the feature) is drawn
// lighter under the feature, so one port or county is seen among its neighbours, not as a dot in a box.
// No basemap tiles: they would need the internet, and the maps must work offline.
(function () {
  "use strict";
  // sticky key columns: the second one sits right of the first, whatever the first one's width
  document.querySelectorAll("table.wide").forEach(function (table) {
    var first = table.querySelector("td.key, th.key");
    if (first) { table.style.setProperty("--key-width", first.getBoundingClientRect().width + "px"); }
  });
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { preferCanvas: true, attributionControl: false });
  map.setView([29.5, -106], 5);
  var MIN_SPAN = 0.25; // degrees: a point's page shows at least ~25 km around it
  var bbox = el.getAttribute("data-bbox");
  if (bbox) {
    var b = bbox.split(",").map(Number);
    var rect = L.rectangle([[b[1], b[0]], [b[3], b[2]]], { color: "#888", weight: 1, dashArray: "4", fill: false });
    rect.addTo(map);
    map.fitBounds(rect.getBounds(), { padding: [20, 20] });
  }
  function load(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      return r.json();
    });
  }
  var labels = {};
  try { labels = JSON.parse(el.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  function popup(f, layer) {
    var rows = Object.keys(f.properties || {}).map(function (k) {
      var th = document.createElement("th"), td = document.createElement("td");
      th.textContent = labels[k] || k; td.textContent = f.properties[k];
      return "<tr>" + th.outerHTML + td.outerHTML + "</tr>";
    });
    layer.bindPopup("<table>" + rows.join("") + "</table>");
  }
  var context = el.getAttribute("data-context");
  if (context) {
    load(context).then(function (data) {
      L.geoJSON(data, { style: { color: "#777", weight: 1.5 }, interactive: false }).addTo(map).bringToBack();
      el.setAttribute("data-context-features", String((data.features || []).length));
    }).catch(function (e) { el.setAttribute("data-context-error", String(e)); });
  }
  var url = el.getAttribute("data-url");
  if (!url) { return; }
  var single = Boolean(el.getAttribute("data-neighbours"));
  load(url).then(function (data) {
    var layer = L.geoJSON(data, {
      style: { color: "#c0392b", weight: single ? 3 : 2, fillOpacity: single ? 0.35 : 0.2 },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: single ? 8 : 5 }); },
      onEachFeature: popup
    }).addTo(map);
    el.setAttribute("data-features", String((data.features || [data]).length));
    var bounds = layer.getBounds();
    if (!bounds.isValid()) { return; }
    if (!single) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
      return;
    }
    // the feature's page: a view around it wide enough to show its neighbours, then the neighbours in it
    var c = bounds.getCenter();
    var dy = Math.max(bounds.getNorth() - bounds.getSouth(), MIN_SPAN), dx = Math.max(bounds.getEast() - bounds.getWest(), MIN_SPAN);
    var view = L.latLngBounds([c.lat - dy, c.lng - dx], [c.lat + dy, c.lng + dx]);
    map.fitBounds(view, { padding: [10, 10], animate: false });
    var box = [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()].map(function (v) { return v.toFixed(5); });
    var id = data.id;
    load(el.getAttribute("data-neighbours") + "&bbox=" + box.join(",")).then(function (around) {
      var others = (around.features || []).filter(function (f) { return f.id !== id; });
      L.geoJSON({ type: "FeatureCollection", features: others }, {
        style: { color: "#4a6fa5", weight: 1, fillOpacity: 0.08 },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 4 }); },
        onEachFeature: popup
      }).addTo(map);
      layer.bringToFront();
      el.setAttribute("data-neighbour-features", String(others.length));
    }).catch(function (e) { el.setAttribute("data-neighbours-error", String(e)); });
  }).catch(function (e) { el.setAttribute("data-error", String(e)); });
})();
