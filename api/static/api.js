// Draws a page's features on a Leaflet map. GeoJSON is fetched by URL (data-url), never inlined in the
// page; data-context (the boundary) is drawn underneath in grey; data-bbox outlines the layer's extent.
// No basemap tiles: they would need the internet, and the maps must work offline.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { preferCanvas: true, attributionControl: false });
  map.setView([29.5, -106], 5);
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
  function popup(f, layer) {
    var rows = Object.keys(f.properties || {}).map(function (k) {
      var th = document.createElement("th"), td = document.createElement("td");
      th.textContent = k; td.textContent = f.properties[k];
      return "<tr>" + th.outerHTML + td.outerHTML + "</tr>";
    });
    layer.bindPopup("<table>" + rows.join("") + "</table>");
  }
  var context = el.getAttribute("data-context");
  if (context) {
    load(context).then(function (data) {
      L.geoJSON(data, { style: { color: "#777", weight: 1.5 }, interactive: false }).addTo(map).bringToBack();
    }).catch(function (e) { el.setAttribute("data-context-error", String(e)); });
  }
  var url = el.getAttribute("data-url");
  if (!url) { return; }
  load(url).then(function (data) {
    var layer = L.geoJSON(data, {
      style: { color: "#c0392b", weight: 2, fillOpacity: 0.2 },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
      onEachFeature: popup
    }).addTo(map);
    el.setAttribute("data-features", String((data.features || [data]).length));
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 12 }); }
  }).catch(function (e) { el.setAttribute("data-error", String(e)); });
})();
