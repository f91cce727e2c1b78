// The road map: segments coloured by grade, detections and work orders. Works without tiles.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: false });
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
  }
  function colour(band) {
    return { good: "#1a9641", fair: "#a6a600", warning: "#fd8d3c", threshold: "#d7191c" }[band] || "#888888";
  }
  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  json(el.dataset.segments).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) { return { color: colour(f.properties.band), weight: 5, className: "segment band-" + f.properties.band }; },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup((p.name || p["class"]) + "<br>" + (p.grade === null ? "–" : p.grade.toFixed(2)) + " · " + Math.round(p.length_m) + " m");
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([51.0, 10.0], 6); }
    el.dataset.segmentsShown = String(data.features.length);
    return json(el.dataset.detections);
  }).then(function (data) {
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 4, color: f.properties.status === "confirmed" ? "#7b3294" : "#555", className: "detection" });
      },
      onEachFeature: function (f, l) { l.bindPopup(f.properties.id + ": " + f.properties.label + " (" + f.properties.status + ")"); }
    }).addTo(map);
    el.dataset.detectionsShown = String(data.features.length);
    return json(el.dataset.orders);
  }).then(function (orders) {
    orders.filter(function (o) { return o.status === "open"; }).forEach(function (o) {
      L.marker([o.lat, o.lon], { title: "#" + o.number + " " + o.title }).bindPopup("#" + o.number + " " + o.title + "<br>" + o.due_on).addTo(map);
    });
    el.dataset.ordersShown = String(orders.length);
    el.dataset.ready = "1";
  }).catch(function (e) { el.dataset.error = String(e); });
})();
