using System.Security.Cryptography;
using System.Text;
using YoloCompress.Core.Pipeline;

namespace YoloCompress.Core.Caching;

/// <summary>The identity of a compression's result: SHA-256 over the weights, the chosen
/// calibration images (name and bytes, in order), the validation set (relative paths and bytes),
/// the canonical resolved settings, the profile and output names, and the tool version. Paths
/// outside the inputs' own names are left out so two projects with the same inputs share a key.</summary>
public static class CompressionCacheKey
{
    /// <summary>Hex digits kept: 128 bits is plenty against collisions and keeps paths short.</summary>
    public const int Length = 32;

    public static string Compute(CompressionRequest request, string toolVersion)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Field(hash, "yolocompress-cache-v1");
        Field(hash, toolVersion);
        Field(hash, Profiles.CanonicalSettingsJson.Write(request.Settings));
        Field(hash, request.ProfileName);
        Field(hash, request.OutputName);

        Field(hash, Path.GetExtension(request.ModelPath).ToLowerInvariant());
        Field(hash, IO.FileDigest.Sha256(request.ModelPath));

        Field(hash, $"calibration:{request.CalibrationImages.Count}");
        foreach (var image in request.CalibrationImages)
        {
            Field(hash, Path.GetFileName(image));
            Field(hash, IO.FileDigest.Sha256(image));
        }

        if (request.ValidationSet is null)
        {
            Field(hash, "validation:none");
        }
        else
        {
            var root = Path.GetFullPath(request.ValidationSet);
            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToArray();
            Field(hash, $"validation:{files.Length}");
            foreach (var relative in files)
            {
                Field(hash, relative);
                Field(hash, IO.FileDigest.Sha256(Path.Combine(root, relative)));
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..Length];
    }

    // Length-prefixed, so ("ab","c") and ("a","bc") hash differently.
    private static void Field(IncrementalHash hash, string text) => Field(hash, Encoding.UTF8.GetBytes(text));

    private static void Field(IncrementalHash hash, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
