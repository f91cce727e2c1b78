// Location picker of the public form: a click sets the hidden lat/lon fields. Works without tiles.
(function () {
  var el = document.getElementById("picker");
  if (!el || !window.L) return;
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var label = document.getElementById("picked");
  var map = L.map(el);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, {attribution: el.dataset.attribution, maxZoom: 19}).addTo(map);
  var area = el.dataset.area ? el.dataset.area.split(",").map(Number) : null;
  if (area && area.length === 4) map.fitBounds([[area[0], area[1]], [area[2], area[3]]]);
  else map.setView([51.1657, 10.4515], 6);
  var marker = null;
  function show() { label.textContent = lat.value ? (Number(lat.value).toFixed(5) + ", " + Number(lon.value).toFixed(5)) : label.dataset.empty; }
  label.dataset.empty = label.textContent;
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(6); lon.value = e.latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng).addTo(map);
    show();
  });
  document.getElementById("clear-location").addEventListener("click", function () {
    lat.value = ""; lon.value = ""; if (marker) { map.removeLayer(marker); marker = null; } show();
  });
  el.dataset.ready = "1";
})();
