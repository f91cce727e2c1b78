// Staff map of geo-referenced contributions: circle markers coloured by topic. Works without tiles.
(function () {
  var el = document.getElementById("feedback-map");
  if (!el || !window.L) return;
  var points = JSON.parse(document.getElementById("feedback-points").textContent);
  var map = L.map(el, {preferCanvas: false});
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, {attribution: el.dataset.attribution, maxZoom: 19}).addTo(map);
  var colours = ["#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#f39c12"];
  var bounds = [];
  points.forEach(function (p) {
    var colour = colours[(p.topic_id || 0) % colours.length];
    var marker = L.circleMarker([p.lat, p.lon], {radius: 6, color: colour, fillOpacity: 0.7, className: "contribution-marker"});
    var box = document.createElement("div");
    var head = document.createElement("strong"); head.textContent = p.id + " · " + (p.topic || "–") + " · " + (p.sentiment_label || "");
    var body = document.createElement("p"); body.textContent = p.text;
    box.appendChild(head); box.appendChild(body);
    marker.bindPopup(box).addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  var area = el.dataset.area ? el.dataset.area.split(",").map(Number) : null;
  if (area && area.length === 4) map.fitBounds([[area[0], area[1]], [area[2], area[3]]]);
  else if (bounds.length) map.fitBounds(bounds, {padding: [20, 20], maxZoom: 15});
  else map.setView([51.1657, 10.4515], 6);
  el.dataset.ready = String(points.length);
})();
