// Draws the page's features on a Leaflet map; the GeoJSON is fetched by URL, never inlined in the page.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { preferCanvas: true, attributionControl: false });
  map.setView([29.5, -106], 5);
  var bbox = el.getAttribute("data-bbox");
  if (bbox) {
    var b = bbox.split(",").map(Number);
    var rect = L.rectangle([[b[1], b[0]], [b[3], b[2]]], { color: "#1f5fa8", weight: 2, fillOpacity: 0.05 });
    rect.addTo(map);
    map.fitBounds(rect.getBounds(), { padding: [20, 20] });
  }
  var url = el.getAttribute("data-url");
  if (!url) { return; }
  fetch(url, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: { color: "#c0392b", weight: 2, fillOpacity: 0.2 },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
        onEachFeature: function (f, l) {
          var rows = Object.keys(f.properties || {}).map(function (k) {
            var td = document.createElement("td"); td.textContent = f.properties[k];
            return "<tr><th>" + k + "</th>" + td.outerHTML + "</tr>";
          });
          l.bindPopup("<table>" + rows.join("") + "</table>");
        }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 12 }); }
    })
    .catch(function (e) { el.setAttribute("data-error", String(e)); });
})();
