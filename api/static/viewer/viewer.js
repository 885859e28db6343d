/* bordergeo viewer: our vector tiles drawn with our MapLibre style (layers/mapstyle.py), a layer switcher,
 * popups with the declared properties, and labels in English or Spanish. Reads its settings from the JSON
 * in #bg-config: {style, pmtiles, bounds, lang}. Everything it loads comes from the same origin. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("bg-config").textContent);
  const here = new URL(".", location.href).href;
  const OUTSIDE = "#d6d6d2"; // the ground beyond the basemap's region
  const TEXT = {
    en: { layers: "Layers", basemap: "Background", none: "no value", error: "The map could not be loaded: " },
    es: { layers: "Capas", basemap: "Fondo", none: "sin valor", error: "No se pudo cargar el mapa: " },
  };
  // ?lang= of the address wins: the static bundle's page is one file for both languages
  const asked = new URLSearchParams(location.search).get("lang") || config.lang;
  const state = { lang: asked === "es" ? "es" : "en", map: null, style: null };
  window.bordergeo = state;

  /** An absolute URL for ``url``, keeping MapLibre's {z}/{fontstack} placeholders unescaped. */
  function absolute(url) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
    return url.startsWith("/") ? location.origin + url : here + url;
  }

  function localise(style) {
    if (style.glyphs) style.glyphs = absolute(style.glyphs);
    for (const source of Object.values(style.sources)) {
      if (source.url && source.url.startsWith("pmtiles://")) {
        source.url = "pmtiles://" + absolute(source.url.slice("pmtiles://".length));
      } else if (source.url) {
        source.url = absolute(source.url);
      }
      if (source.tiles) source.tiles = source.tiles.map(absolute);
    }
    return style;
  }

  /** Areas (states) labelled once, from the page's label points, rather than in every tile they cross. */
  function useAreaLabels(style) {
    const points = config.labels || { features: [] };
    const labelled = new Set(points.features.map((f) => f.properties["bordergeo:layer"]));
    if (labelled.size === 0) return style;
    style.sources["bordergeo-labels"] = { type: "geojson", data: points };
    for (const layer of style.layers) {
      const id = layer.metadata && layer.metadata["bordergeo:label"] && layer.metadata["bordergeo:layer"];
      if (!labelled.has(id)) continue;
      layer.source = "bordergeo-labels";
      delete layer["source-layer"];
      layer.filter = ["==", ["get", "bordergeo:layer"], id];
    }
    return style;
  }

  /** The basemap covers only its region: the sea is drawn inside it and the ground outside is neutral, so a
   * zoomed-out view (a phone's first view) shows where the map ends rather than land stopping in a sea. */
  function frameRegion(style) {
    const background = style.layers.find((l) => l.type === "background");
    if (!config.region || !background) return style;
    const [w, s, e, n] = config.region;
    const box = { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
    style.sources["bordergeo-region"] = { type: "geojson", data: { type: "Feature", properties: {}, geometry: box } };
    const region = { id: "region", type: "fill", source: "bordergeo-region",
      paint: { "fill-color": background.paint["background-color"] } };
    background.paint["background-color"] = OUTSIDE;
    style.layers.splice(style.layers.indexOf(background) + 1, 0, region);
    return style;
  }

  function title(meta) {
    const parts = meta.title.split(" / ");
    return state.lang === "es" && parts.length > 1 ? parts[1] : parts[0];
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
      "'": "&#39;" })[c]);
  }

  function formatValue(value, prop) {
    if (value === null || value === undefined || value === "") return null;
    let text = typeof value === "number" ? value.toLocaleString(state.lang === "es" ? "es-MX" : "en-US",
      { maximumFractionDigits: 2 }) : String(value);
    const unit = state.lang === "es" ? prop.unit_es : prop.unit;
    if (unit) text += " " + unit;
    return text;
  }

  function layerIdsOf(collection) {
    return state.style.layers.filter((l) => l.metadata && l.metadata["bordergeo:layer"] === collection)
      .map((l) => l.id);
  }

  function collections() {
    return state.style.metadata["bordergeo:layers"];
  }

  function setVisible(collection, visible) {
    for (const id of layerIdsOf(collection)) {
      state.map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
    }
  }

  function buildSwitcher() {
    const list = document.querySelector("#bg-layers ul");
    list.textContent = "";
    document.querySelector("#bg-layers summary").textContent = TEXT[state.lang].layers;
    const entries = Object.entries(collections()).reverse(); // the top-most layer first
    for (const [id, meta] of entries) {
      if (meta.roles.includes("basemap")) continue;
      const first = layerIdsOf(id)[0];
      if (!first) continue;
      const item = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.layer = id;
      box.checked = state.map.getLayoutProperty(first, "visibility") !== "none";
      box.addEventListener("change", () => setVisible(id, box.checked));
      const swatch = document.createElement("span");
      swatch.className = "bg-swatch";
      swatch.style.background = swatchColour(id);
      label.append(box, swatch, document.createTextNode(title(meta)));
      item.append(label);
      list.append(item);
    }
  }

  /** The legend colour of a collection: its middle class or category (each is a layer of one colour). */
  function swatchColour(collection) {
    const parts = state.style.layers.filter((l) => l.metadata && l.metadata["bordergeo:layer"] === collection &&
      l.paint && !l.id.endsWith("-outline"));
    const layer = parts[Math.floor((parts.length - 1) / 2)];
    const paint = layer ? layer.paint : {};
    const colour = paint["fill-color"] || paint["circle-stroke-color"] || paint["line-color"];
    return typeof colour === "string" ? colour : "#888";
  }

  /** Keep the language in the address (a shared link opens in it) and in the page's own links. */
  function rememberLanguage(lang) {
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    for (const link of document.querySelectorAll("#bg-layers nav a[href*='lang=']")) {
      link.href = link.href.replace(/([?&]lang=)[a-z]+/, `$1${lang}`);
    }
  }

  function setLanguage(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    for (const button of document.querySelectorAll("#bg-lang button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    }
    for (const layer of state.style.layers) {
      const meta = layer.metadata && collections()[layer.metadata["bordergeo:layer"]];
      if (!meta || !layer.metadata["bordergeo:label"] || !meta.label) continue;
      const english = ["to-string", ["get", meta.label]];
      const field = lang === "es" && meta.label_es ? ["to-string", ["coalesce", ["get", meta.label_es],
        ["get", meta.label]]] : english;
      state.map.setLayoutProperty(layer.id, "text-field", field);
    }
    buildSwitcher();
  }

  function popupHtml(feature) {
    const id = feature.layer.metadata["bordergeo:layer"];
    const meta = collections()[id];
    const props = feature.properties;
    // the Spanish name where the layer has one (Río Bravo), else the name every reader sees
    const field = [state.lang === "es" ? meta.label_es : null, meta.title_field]
      .find((f) => f && props[f] !== undefined && props[f] !== null && props[f] !== "");
    const name = field ? props[field] : title(meta);
    const rows = meta.properties.map((p) => [p, formatValue(props[p.name], p)]).filter(([, v]) => v !== null)
      .map(([p, v]) => `<tr><th>${escapeHtml(state.lang === "es" ? p.label_es : p.label)}</th><td>${escapeHtml(v)}</td></tr>`).join("");
    return `<div class="bg-popup"><strong>${escapeHtml(name)}</strong><br><small>${escapeHtml(title(meta))}</small>` +
      `<table>${rows}</table></div>`;
  }

  function dataLayerIds() {
    return state.style.layers.filter((l) => {
      const id = l.metadata && l.metadata["bordergeo:layer"];
      return id && !collections()[id].roles.includes("basemap") && !l.metadata["bordergeo:label"];
    }).map((l) => l.id);
  }

  function onClick(event) {
    const box = [[event.point.x - 4, event.point.y - 4], [event.point.x + 4, event.point.y + 4]];
    const found = state.map.queryRenderedFeatures(box, { layers: dataLayerIds() });
    if (found.length === 0) return;
    const popup = new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(event.lngLat)
      .setHTML(popupHtml(found[0])).addTo(state.map);
    keepInView(popup);
  }

  /** Slide the map down when a popup opens under the panel button and the zoom buttons (on a phone). */
  function keepInView(popup) {
    const top = popup.getElement().getBoundingClientRect().top;
    const clear = 64; // px: the panel's summary and the zoom control
    if (top < clear) state.map.panBy([0, top - clear], { duration: 0 });
  }

  /** Room for the layer panel on wide screens, so the first view is not hidden under it. */
  function viewPadding() {
    const panel = document.getElementById("bg-layers");
    const wide = window.innerWidth >= 900 && panel.open;
    // the border's ends (Tijuana, Matamoros) with their labels clear of the panel and the edge
    return { top: 16, bottom: 24, right: 24, left: wide ? panel.getBoundingClientRect().right + 24 : 16 };
  }

  /** The attribution starts folded to its (i) button: the sources of nine layers fill a phone's screen. */
  function foldAttribution() {
    const control = document.querySelector(".maplibregl-ctrl-attrib");
    if (control) control.classList.remove("maplibregl-compact-show");
  }

  function start(style) {
    state.style = frameRegion(useAreaLabels(localise(style)));
    const map = new maplibregl.Map({
      container: "map",
      style: state.style,
      bounds: config.bounds,
      fitBoundsOptions: { padding: viewPadding() },
      attributionControl: { compact: true },
      maxZoom: 17,
    });
    state.map = map;
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.on("load", () => {
      foldAttribution();
      setLanguage(state.lang);
      map.on("click", onClick);
      map.on("mousemove", (e) => {
        const hit = map.queryRenderedFeatures(e.point, { layers: dataLayerIds() }).length > 0;
        map.getCanvas().style.cursor = hit ? "pointer" : "";
      });
    });
    map.on("error", (e) => console.error("map error:", e.error ? e.error.message : e));
  }

  for (const button of document.querySelectorAll("#bg-lang button")) {
    button.addEventListener("click", () => {
      if (!state.map) return;
      setLanguage(button.dataset.lang);
      rememberLanguage(button.dataset.lang);
    });
  }
  if (window.innerWidth < 640) document.getElementById("bg-layers").removeAttribute("open");
  if (config.pmtiles) window.bordergeoPMTiles.register(maplibregl);
  fetch(absolute(config.style))
    .then((r) => { if (!r.ok) throw new Error(`${config.style}: HTTP ${r.status}`); return r.json(); })
    .then(start)
    .catch((err) => {
      console.error(err);
      document.getElementById("bg-message").textContent = TEXT[state.lang].error + err.message;
    });
})();
