using System.Security.Cryptography;

namespace YoloCompress.Core.IO;

/// <summary>SHA-256 of a file's bytes, streamed: the one way the cache key and the metadata
/// identify inputs, so both agree on what "the same file" means.</summary>
public static class FileDigest
{
    public static byte[] Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return SHA256.HashData(stream);
    }

    public static string Sha256Hex(string path) => Convert.ToHexStringLower(Sha256(path));
}
