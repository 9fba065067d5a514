using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Recovery;

/// <summary>Finds the training backend: the assembly YoloCompress.Torch with its TorchSharp and libtorch. Where the
/// host was built with it (the repository's CLI, the tests) it is loaded as any dependency; elsewhere (the
/// compressor inside the YoloCompress.Build package, which ships without libtorch) from the folder
/// <see cref="FolderVariable"/> names: a build or publish output of src/YoloCompress.Torch, loaded as a plugin
/// with its own dependencies. Without either, a profile that trains fails with YC0019 saying what to add.</summary>
public static class TrainingBackend
{
    public const string AssemblyName = "YoloCompress.Torch";
    public const string TypeName = "YoloCompress.Torch.TorchTrainingBackend";

    /// <summary>Environment variable: the folder holding YoloCompress.Torch.dll (MSBuild: YoloCompressTrainingBackend).</summary>
    public const string FolderVariable = "YOLOCOMPRESS_TRAINING_BACKEND";

    private static readonly Lazy<ITrainingBackend?> Found = new(Find);

    /// <summary>The backend, or YC0019 naming what to add. <paramref name="neededBy"/>: the setting that needs it.</summary>
    public static ITrainingBackend Load(string neededBy) => Found.Value ?? throw new YoloCompressException(DiagnosticCatalog.TrainingBackendMissing,
        $"{neededBy} trains with TorchSharp (libtorch), which this compressor was installed without. Build src/YoloCompress.Torch " +
        $"(dotnet build -c Release src/YoloCompress.Torch) and point {FolderVariable} (MSBuild property YoloCompressTrainingBackend) at its " +
        "output folder, or run the repository's CLI (dotnet run --project src/YoloCompress.Cli), which builds it; docs/training.md has the details.");

    private static ITrainingBackend? Find()
    {
        var assembly = FromHost() ?? FromFolder(Environment.GetEnvironmentVariable(FolderVariable));
        if (assembly?.GetType(TypeName) is not { } type) return null;
        return (ITrainingBackend)Activator.CreateInstance(type)!;
    }

    private static Assembly? FromHost()
    {
        // The repository's CLI records where its build put the backend (never published: see YoloCompress.Cli.csproj).
        var recorded = Path.Combine(AppContext.BaseDirectory, "training-backend.path");
        try
        {
            return Assembly.Load(new AssemblyName(AssemblyName));
        }
        catch (FileNotFoundException)
        {
            return File.Exists(recorded) ? FromFolder(File.ReadAllText(recorded).Trim()) : null;
        }
    }

    private static Assembly? FromFolder(string? folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) return null;
        var path = Path.Combine(Path.GetFullPath(folder), AssemblyName + ".dll");
        if (!File.Exists(path))
            throw new YoloCompressException(DiagnosticCatalog.TrainingBackendMissing, $"The training backend folder '{folder}' has no {AssemblyName}.dll: point {FolderVariable} at the build or publish output of src/YoloCompress.Torch.");
        return new PluginContext(path).LoadFromAssemblyPath(path);
    }

    /// <summary>The backend's own dependencies (TorchSharp, libtorch) from its folder; everything the host also has
    /// (Core, whose interface the backend implements, the ONNX classes) from the host, so both see one type.</summary>
    private sealed class PluginContext(string path) : AssemblyLoadContext("YoloCompress.TrainingBackend")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName name)
        {
            try
            {
                return Default.LoadFromAssemblyName(name);
            }
            catch (FileNotFoundException)
            {
                return _resolver.ResolveAssemblyToPath(name) is { } file ? LoadFromAssemblyPath(file) : null;
            }
        }

        /// <summary>A library that does not load here (libLibTorchSharp.so on an older libstdc++) is left to the
        /// backend's own resolver (ResolvingUnmanagedDll), which loads its patched copy.</summary>
        protected override IntPtr LoadUnmanagedDll(string name) =>
            _resolver.ResolveUnmanagedDllToPath(name) is { } file && NativeLibrary.TryLoad(file, out var handle) ? handle : IntPtr.Zero;
    }
}
