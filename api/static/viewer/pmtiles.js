/* bordergeo: a small PMTiles v3 reader for MapLibre GL JS (the "pmtiles://" protocol), written for the static
 * bundle. It reads the 127-byte header, the root directory and leaf directories with HTTP range requests,
 * decompresses gzip with the browser's DecompressionStream, and answers MapLibre's TileJSON and tile requests.
 * Spec: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
 */
(function (global) {
  "use strict";
  const HEADER_BYTES = 127;
  const COMPRESSION = { unknown: 0, none: 1, gzip: 2 };
  const archives = new Map();

  function u64(view, offset) {
    return view.getUint32(offset + 4, true) * 4294967296 + view.getUint32(offset, true);
  }

  async function range(url, offset, length, signal) {
    const response = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, signal });
    if (!response.ok) throw new Error(`pmtiles: ${url} answered ${response.status}`);
    const data = await response.arrayBuffer();
    if (response.status === 200) return data.slice(offset, offset + length); // a server without range support
    return data;
  }

  async function decompress(data, compression) {
    if (compression === COMPRESSION.none || compression === COMPRESSION.unknown) return data;
    if (compression !== COMPRESSION.gzip) throw new Error(`pmtiles: compression ${compression} not supported`);
    const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  function parseHeader(buffer) {
    const view = new DataView(buffer);
    const magic = new TextDecoder().decode(new Uint8Array(buffer, 0, 7));
    if (magic !== "PMTiles" || view.getUint8(7) !== 3) throw new Error("pmtiles: not a PMTiles v3 archive");
    const e7 = (offset) => view.getInt32(offset, true) / 1e7;
    return {
      rootOffset: u64(view, 8), rootLength: u64(view, 16),
      metadataOffset: u64(view, 24), metadataLength: u64(view, 32),
      leafOffset: u64(view, 40), leafLength: u64(view, 48),
      dataOffset: u64(view, 56), dataLength: u64(view, 64),
      internalCompression: view.getUint8(97), tileCompression: view.getUint8(98), tileType: view.getUint8(99),
      minZoom: view.getUint8(100), maxZoom: view.getUint8(101),
      bounds: [e7(102), e7(106), e7(110), e7(114)],
      center: [e7(119), e7(123), view.getUint8(118)],
    };
  }

  function parseDirectory(buffer) {
    const bytes = new Uint8Array(buffer);
    let pos = 0;
    function varint() {
      let value = 0, factor = 1, byte;
      do {
        byte = bytes[pos++];
        value += (byte & 0x7f) * factor;
        factor *= 128;
      } while (byte & 0x80);
      return value;
    }
    const n = varint();
    const entries = new Array(n);
    let id = 0;
    for (let i = 0; i < n; i++) { id += varint(); entries[i] = { tileId: id, runLength: 0, length: 0, offset: 0 }; }
    for (let i = 0; i < n; i++) entries[i].runLength = varint();
    for (let i = 0; i < n; i++) entries[i].length = varint();
    for (let i = 0; i < n; i++) {
      const value = varint();
      entries[i].offset = value === 0 && i > 0 ? entries[i - 1].offset + entries[i - 1].length : value - 1;
    }
    return entries;
  }

  /** The tile id of z/x/y: tiles of lower zooms first, then the Hilbert curve index within the zoom. */
  function tileId(z, x, y) {
    let id = (Math.pow(4, z) - 1) / 3;
    const n = Math.pow(2, z);
    let tx = x, ty = y;
    for (let s = n / 2; s >= 1; s /= 2) {
      const rx = (tx & s) > 0 ? 1 : 0;
      const ry = (ty & s) > 0 ? 1 : 0;
      id += s * s * ((3 * rx) ^ ry);
      if (ry === 0) {
        if (rx === 1) { tx = n - 1 - tx; ty = n - 1 - ty; }
        const t = tx; tx = ty; ty = t;
      }
    }
    return id;
  }

  function find(entries, id) {
    let lo = 0, hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid].tileId < id) lo = mid + 1;
      else if (entries[mid].tileId > id) hi = mid - 1;
      else return entries[mid];
    }
    if (hi >= 0) {
      const e = entries[hi];
      if (e.runLength === 0 || id - e.tileId < e.runLength) return e;
    }
    return null;
  }

  class Archive {
    constructor(url) {
      this.url = url;
      this.leaves = new Map();
      this.ready = this._open();
    }

    async _open() {
      const header = parseHeader(await range(this.url, 0, HEADER_BYTES));
      const root = parseDirectory(await decompress(
        await range(this.url, header.rootOffset, header.rootLength), header.internalCompression));
      let metadata = {};
      if (header.metadataLength > 0) {
        const raw = await decompress(await range(this.url, header.metadataOffset, header.metadataLength),
          header.internalCompression);
        metadata = JSON.parse(new TextDecoder().decode(raw));
      }
      return { header, root, metadata };
    }

    async tile(z, x, y, signal) {
      const { header, root } = await this.ready;
      if (z < header.minZoom || z > header.maxZoom) return null;
      const id = tileId(z, x, y);
      let entries = root;
      for (let depth = 0; depth < 4; depth++) {
        const entry = find(entries, id);
        if (entry === null) return null;
        if (entry.runLength > 0) {
          const data = await range(this.url, header.dataOffset + entry.offset, entry.length, signal);
          return decompress(data, header.tileCompression);
        }
        const key = entry.offset;
        if (!this.leaves.has(key)) {
          this.leaves.set(key, range(this.url, header.leafOffset + entry.offset, entry.length)
            .then((d) => decompress(d, header.internalCompression)).then(parseDirectory));
        }
        entries = await this.leaves.get(key);
      }
      throw new Error("pmtiles: directory deeper than 3 leaf levels");
    }

    async tilejson(protocolUrl) {
      const { header, metadata } = await this.ready;
      const tilejson = {
        tilejson: "3.0.0",
        tiles: [`${protocolUrl}/{z}/{x}/{y}`],
        minzoom: header.minZoom, maxzoom: header.maxZoom, bounds: header.bounds,
      };
      // MapLibre checks each style layer's source-layer against vector_layers when they are given
      if (metadata.vector_layers && metadata.vector_layers.length) tilejson.vector_layers = metadata.vector_layers;
      if (metadata.attribution) tilejson.attribution = metadata.attribution;
      return tilejson;
    }
  }

  function archive(url) {
    if (!archives.has(url)) archives.set(url, new Archive(url));
    return archives.get(url);
  }

  /** MapLibre GL JS (v4+) protocol handler for "pmtiles://<archive URL>[/z/x/y]". */
  async function protocol(params, abortController) {
    const tile = /^pmtiles:\/\/(.+)\/(\d+)\/(\d+)\/(\d+)$/.exec(params.url);
    if (tile === null) {
      const url = params.url.slice("pmtiles://".length);
      return { data: await archive(url).tilejson(params.url) };
    }
    const [, url, z, x, y] = tile;
    const data = await archive(url).tile(+z, +x, +y, abortController.signal);
    return { data: data === null ? new ArrayBuffer(0) : new Uint8Array(data) };
  }

  global.bordergeoPMTiles = {
    tileId,
    protocol,
    register(maplibregl) { maplibregl.addProtocol("pmtiles", protocol); },
  };
})(window);
