#!/usr/bin/env bash
# Packs YoloCompress.Build, YoloCompress.Runtime and the tool into artifacts/packages, then builds
# and runs the sample from that feed: `dotnet build` compresses yolov5n, the app detects with it.
#   samples/run-sample.sh [IMAGE] [OUTPUT.png]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)

dotnet pack "$root/YoloCompress.Build.sln" -c Release -o "$root/artifacts/packages"

# A repack keeps the version: drop NuGet's extracted copies so the sample gets what was just packed.
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$packages/yolocompress.build/$version" "$packages/yolocompress.runtime/$version"

dotnet run --project "$root/samples/YoloCompress.Sample" -p:YoloCompressVersion="$version" -- "$@"
