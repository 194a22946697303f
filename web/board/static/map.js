// The board's map: OpenStreetMap tiles when they load, a plain grid when they do not (offline, blocked),
// and the cases as points either way. No library: Web Mercator in a few lines.
"use strict";
(function () {
  const TILE = 256;
  const TILES = "https://tile.openstreetmap.org/";

  function project(lat, lon, zoom) {
    const scale = TILE * Math.pow(2, zoom);
    const sin = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
    return { x: ((lon + 180) / 360) * scale, y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale };
  }

  function fitZoom(points, width, height) {
    for (let zoom = 17; zoom > 1; zoom--) {
      const xs = points.map((p) => project(p.lat, p.lon, zoom).x);
      const ys = points.map((p) => project(p.lat, p.lon, zoom).y);
      if (Math.max(...xs) - Math.min(...xs) < width * 0.8 && Math.max(...ys) - Math.min(...ys) < height * 0.8) {
        return zoom;
      }
    }
    return 2;
  }

  function offline(map) {
    if (map.classList.contains("is-offline")) return;
    map.classList.add("is-offline");
    map.querySelector(".tiles").replaceChildren();
    map.querySelector(".offline").hidden = false;
  }

  function draw(map) {
    const points = JSON.parse(map.dataset.points || "[]");
    if (!points.length) { map.hidden = true; return; }
    const width = map.clientWidth, height = map.clientHeight;
    const zoom = points.length === 1 ? 16 : fitZoom(points, width, height);
    const projected = points.map((p) => project(p.lat, p.lon, zoom));
    const cx = (Math.min(...projected.map((p) => p.x)) + Math.max(...projected.map((p) => p.x))) / 2;
    const cy = (Math.min(...projected.map((p) => p.y)) + Math.max(...projected.map((p) => p.y))) / 2;
    const left = cx - width / 2, top = cy - height / 2;
    const tiles = map.querySelector(".tiles"), markers = map.querySelector(".markers");
    const count = Math.pow(2, zoom);
    let loaded = 0;
    for (let tx = Math.floor(left / TILE); tx <= Math.floor((left + width) / TILE); tx++) {
      for (let ty = Math.floor(top / TILE); ty <= Math.floor((top + height) / TILE); ty++) {
        if (ty < 0 || ty >= count) continue;
        const img = document.createElement("img");
        img.alt = "";
        img.style.left = `${tx * TILE - left}px`;
        img.style.top = `${ty * TILE - top}px`;
        img.onload = () => { loaded++; };
        img.onerror = () => offline(map);
        img.src = `${TILES}${zoom}/${((tx % count) + count) % count}/${ty}.png`;
        tiles.appendChild(img);
      }
    }
    // Tiles that neither load nor fail (a black-holed network) count as offline too.
    setTimeout(() => { if (!loaded) offline(map); }, 4000);
    points.forEach((p, i) => {
      const marker = document.createElement("a");
      marker.className = `marker ${p.open ? "open" : "closed"}`;
      // The board links a point to the case's public page; the console (data-link) to its own case page.
      const link = map.dataset.link || "/board/cases/";
      marker.href = `${link}${encodeURIComponent(p.ref)}${map.dataset.link ? "" : location.search}`;
      marker.title = p.label;
      marker.dataset.reference = p.ref;
      marker.style.left = `${projected[i].x - left}px`;
      marker.style.top = `${projected[i].y - top}px`;
      markers.appendChild(marker);
    });
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".map").forEach(draw));
})();
