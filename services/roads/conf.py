"""Settings of the road service: defaults here, overridable by environment variables (ROADS_...)."""

from __future__ import annotations

from core import env

# Drivable public roads kept from OpenStreetMap (the `highway` tag).
HIGHWAY_CLASSES = env.get_list("ROADS_HIGHWAY_CLASSES", [
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "living_street",
])
SEGMENT_LENGTH_M = env.get_float("ROADS_SEGMENT_LENGTH_M", 50.0)
# A detection further than this from every segment stays unmatched.
MATCH_TOLERANCE_M = env.get_float("ROADS_MATCH_TOLERANCE_M", 15.0)
# The GNSS error map matching expects (services/roads/matching.py): the slowly wandering bias per axis (m RMS),
# its correlation time (s), and the part that changes from fix to fix (m RMS per axis).
GPS_BIAS_RMS_M = env.get_float("ROADS_GPS_BIAS_RMS_M", 3.0)
GPS_BIAS_CORRELATION_S = env.get_float("ROADS_GPS_BIAS_CORRELATION_S", 120.0)
GPS_WHITE_RMS_M = env.get_float("ROADS_GPS_WHITE_RMS_M", 1.0)
# Imports, read through core.uploads with these limits instead of the platform's general ones (a town's
# network or a survey's detections are larger than a spreadsheet): file size, unpacked size of an
# .osm.gz/.osm.bz2, rows of a detection file.
MAX_NETWORK_BYTES = env.get_int("ROADS_MAX_NETWORK_BYTES", 200_000_000)
MAX_NETWORK_UNPACKED_BYTES = env.get_int("ROADS_MAX_NETWORK_UNPACKED_BYTES", 1_000_000_000)
MAX_DETECTION_BYTES = env.get_int("ROADS_MAX_DETECTION_BYTES", 100_000_000)
MAX_DETECTION_ROWS = env.get_int("ROADS_MAX_DETECTION_ROWS", 500_000)
# Uploads: one image at most this many bytes and pixels.
MAX_IMAGE_BYTES = env.get_int("ROADS_MAX_IMAGE_BYTES", 15 * 1024 * 1024)
MAX_IMAGE_PIXELS = env.get_int("ROADS_MAX_IMAGE_PIXELS", 40_000_000)
MAX_IMAGES_PER_REQUEST = env.get_int("ROADS_MAX_IMAGES_PER_REQUEST", 20)
# Anonymisation: a face above FACE_THRESHOLD is certain; between REVIEW and FACE_THRESHOLD the image
# is blurred there too but waits for a person before anyone else sees it.
FACE_THRESHOLD = env.get_float("ROADS_FACE_THRESHOLD", 0.5)
FACE_REVIEW_THRESHOLD = env.get_float("ROADS_FACE_REVIEW_THRESHOLD", 0.2)
# Longest image side the face detector sees (larger images are scaled down for detection only).
FACE_DETECTION_SIDE = env.get_int("ROADS_FACE_DETECTION_SIDE", 960)
# The county's damage model (YOLO-style ONNX) and its class map ("0=D00,1=D10,2=D20,3=D40").
DAMAGE_MODEL_PATH = env.get_str("ROADS_DAMAGE_MODEL", "")
DAMAGE_MODEL_CLASSES = env.get_str("ROADS_DAMAGE_MODEL_CLASSES", "0=D00,1=D10,2=D20,3=D40")
DAMAGE_MODEL_THRESHOLD = env.get_float("ROADS_DAMAGE_MODEL_THRESHOLD", 0.25)
# The capture camera (services/roads/camera.py): height above the road, downward tilt, horizontal field
# of view, and how far ahead a damage is placed at most.
CAMERA_HEIGHT_M = env.get_float("ROADS_CAMERA_HEIGHT_M", 1.3)
CAMERA_PITCH_DEG = env.get_float("ROADS_CAMERA_PITCH_DEG", 10.0)
CAMERA_HFOV_DEG = env.get_float("ROADS_CAMERA_HFOV_DEG", 66.0)
CAMERA_MAX_RANGE_M = env.get_float("ROADS_CAMERA_MAX_RANGE_M", 30.0)
# Map basemap (Leaflet tile URL template); empty: the map shows the network on a plain background.
BASEMAP_URL = env.get_str("ROADS_BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env.get_str("ROADS_BASEMAP_ATTRIBUTION", "© OpenStreetMap-Mitwirkende")
