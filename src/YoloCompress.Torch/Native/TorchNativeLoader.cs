using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using TorchSharp;

namespace YoloCompress.Torch.Native;

/// <summary>What <see cref="TorchNativeLoader.EnsureLoaded"/> did: nothing beyond TorchSharp's own load, or
/// load a copy of libLibTorchSharp.so with link-anchor version requirements made weak.</summary>
public sealed record NativeLoadResult(string? PatchedLibrary, IReadOnlyList<string> WeakenedVersions)
{
    public bool Patched => PatchedLibrary is not null;
}

/// <summary>Loads libtorch for TorchSharp, once a process. TorchSharp's libLibTorchSharp.so for linux-x64 is
/// linked with GCC 13 and so asks libstdc++ for GLIBCXX_3.4.32 for a single symbol nothing calls (see
/// <see cref="VersionAnchorPatch.KnownAnchors"/>); older distributions (Debian 12) refuse to load it. Where,
/// and only where, the libstdc++ this process has loaded lacks such a version, a patched copy is written to a
/// cache folder keyed by the shipped library's hash and handed to TorchSharp through a DllImport resolver,
/// after its libtorch dependencies are loaded from the shipped folder (the copy's $ORIGIN run path has none).</summary>
public static class TorchNativeLoader
{
    private const string LibraryFile = "libLibTorchSharp.so", StdCxx = "libstdc++.so.6";
    private static readonly string[] Dependencies = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly Lock Gate = new();
    private static NativeLoadResult? _loaded;

    /// <summary>Where patched copies go: YOLOCOMPRESS_NATIVE_CACHE when set, else the user's local data folder.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("YOLOCOMPRESS_NATIVE_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "YoloCompress", "native");

    /// <summary>Makes torch usable on the CPU; safe to call from any thread, any number of times.</summary>
    public static NativeLoadResult EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded is not null) return _loaded;
            var result = new NativeLoadResult(null, []);
            if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
            {
                OneDnnIsaCap.Apply();
                result = PrepareLinux();
            }
            torch.InitializeDeviceType(DeviceType.CPU);
            return _loaded = result;
        }
    }

    private static NativeLoadResult PrepareLinux()
    {
        var shipped = FindShipped(LibraryFile)
            ?? throw new InvalidOperationException($"TorchSharp's {LibraryFile} is not beside the application (searched {string.Join(", ", SearchFolders())}); reference the libtorch-cpu-linux-x64 package.");
        var stdcxx = LoadedLibraryPath(StdCxx);
        if (stdcxx is null) return new NativeLoadResult(null, []); // nothing to compare against: let TorchSharp try
        var image = ElfImage.Read(shipped);
        var plan = VersionAnchorPatch.Plan(image, StdCxx, ElfImage.Read(stdcxx).VersionDefinitions());
        if (!plan.IsPossible)
            throw new InvalidOperationException($"'{shipped}' needs {string.Join("; ", plan.Unsatisfiable)} from '{stdcxx}', which this system's libstdc++ does not provide: install a newer libstdc++ (GCC 13 or later).");
        if (!plan.IsNeeded) return new NativeLoadResult(null, []);

        var patched = WritePatchedCopy(image, plan);
        foreach (var dependency in Dependencies)
            if (Path.Combine(Path.GetDirectoryName(shipped)!, dependency) is var path && File.Exists(path))
                NativeLibrary.Load(path);
        var handle = NativeLibrary.Load(patched);
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
            name is "LibTorchSharp" or LibraryFile ? handle : IntPtr.Zero);
        // Loaded as a plugin (Core's TrainingBackend), TorchSharp's load context asks its own resolver first; when
        // that cannot load the shipped library, this hands over the patched copy.
        if (AssemblyLoadContext.GetLoadContext(typeof(torch).Assembly) is { } context && context != AssemblyLoadContext.Default)
            context.ResolvingUnmanagedDll += (_, name) => name is "LibTorchSharp" or LibraryFile ? handle : IntPtr.Zero;
        return new NativeLoadResult(patched, plan.ToWeaken.Select(n => n.Version).ToList());
    }

    /// <summary>Writes the patched library once per distinct shipped library (the folder is its SHA-256), atomically
    /// so that concurrent processes never load a half-written file.</summary>
    internal static string WritePatchedCopy(ElfImage image, VersionAnchorPatch plan)
    {
        var bytes = plan.Apply(image.Bytes);
        var key = Convert.ToHexStringLower(SHA256.HashData(image.Bytes))[..16];
        var folder = Path.Combine(CacheRoot, key);
        var path = Path.Combine(folder, LibraryFile);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return path;
        Directory.CreateDirectory(folder);
        var temp = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    internal static string? FindShipped(string file) =>
        SearchFolders().Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);

    /// <summary>The folders the runtime probes for native libraries (from the app's deps.json), then TorchSharp's own.</summary>
    private static IEnumerable<string> SearchFolders()
    {
        var probe = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var torchSharp = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        return probe.Concat([torchSharp, Path.Combine(torchSharp, "runtimes", "linux-x64", "native")]).Distinct();
    }

    /// <summary>The path of the library with this soname mapped into this process (the runtime has libstdc++
    /// loaded already); loads it by name first if it is not.</summary>
    internal static string? LoadedLibraryPath(string soname)
    {
        string? Mapped() => File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : null)
            .FirstOrDefault(p => p is not null && Path.GetFileName(p).StartsWith(soname, StringComparison.Ordinal));
        if (Mapped() is { } path) return path;
        return NativeLibrary.TryLoad(soname, out _) ? Mapped() : null;
    }
}
