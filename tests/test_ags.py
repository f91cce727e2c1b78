import pytest
from django.core.exceptions import ValidationError

from tenants.ags import land_code, slugify_town, validate_ags, validate_leitweg_id


@pytest.mark.parametrize("ags", ["09574138", "01001000", "16077001"])
def test_valid_ags(ags):
    assert validate_ags(ags) == ags


@pytest.mark.parametrize("ags, code", [
    ("0957413", "ags_format"), ("095741380", "ags_format"), ("09a74138", "ags_format"), ("", "ags_format"),
    ("00574138", "ags_land"), ("17574138", "ags_land"), ("99574138", "ags_land"),
])
def test_invalid_ags(ags, code):
    with pytest.raises(ValidationError) as info:
        validate_ags(ags)
    assert info.value.code == code


def test_ags_must_match_kreis_and_land():
    assert validate_ags("09574138", kreis="09574", land="Bayern") == "09574138"
    with pytest.raises(ValidationError) as info:
        validate_ags("09574138", kreis="09573")
    assert info.value.code == "ags_kreis"
    with pytest.raises(ValidationError) as info:
        validate_ags("09574138", land="08")
    assert info.value.code == "ags_land_mismatch"


def test_land_by_key_or_name():
    assert land_code("9") == "09"
    assert land_code("thüringen") == "16"
    with pytest.raises(ValidationError):
        land_code("Atlantis")


@pytest.mark.parametrize("name, slug", [
    ("Musterstadt", "musterstadt"),
    ("Großbach am See", "grossbach-am-see"),
    ("Übelfingen", "uebelfingen"),
    ("Bad Mühlheim", "bad-muehlheim"),
    ("Lauf a.d.Pegnitz", "lauf-a-d-pegnitz"),
    ("Waldkirchen-Süd", "waldkirchen-sued"),
    ("  Öhringen  ", "oehringen"),
    ("Saint-Étienne", "saint-etienne"),
])
def test_slugs(name, slug):
    assert slugify_town(name) == slug


@pytest.mark.parametrize("value", ["04011000-1234512345-06", "991-33333TEST-33", "09999111-0001-27"])
def test_valid_leitweg_ids(value):
    assert validate_leitweg_id(value) == value


@pytest.mark.parametrize("value, code", [
    ("04011000-1234512345-07", "leitweg_checksum"),
    ("04011000", "leitweg_format"),
    ("x-1-00", "leitweg_format"),
])
def test_invalid_leitweg_ids(value, code):
    with pytest.raises(ValidationError) as info:
        validate_leitweg_id(value)
    assert info.value.code == code
