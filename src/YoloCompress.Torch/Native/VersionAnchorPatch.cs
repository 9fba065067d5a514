namespace YoloCompress.Torch.Native;

/// <summary>What to do about the versions a library asks of one dependency that the dependency on this
/// machine does not define. A missing version is harmless only when every symbol bound to it is a known
/// link anchor: a symbol the compiler emits a reference to but nothing calls. Such a requirement is made
/// weak (VER_FLG_WEAK) so the dynamic linker stops refusing the library; any other missing version is a
/// real incompatibility and is reported, not patched.</summary>
internal sealed record VersionAnchorPatch(IReadOnlyList<VersionNeed> ToWeaken, IReadOnlyList<string> Unsatisfiable)
{
    /// <summary>GCC 13's &lt;iostream&gt; references std::ios_base_library_init() (GLIBCXX_3.4.32) from every
    /// translation unit that includes it, so that static linking pulls in the stream initialiser; with
    /// libstdc++ linked dynamically the streams are initialised by libstdc++ itself and the symbol is never
    /// called. Older libstdc++ (Debian 12: GCC 12, up to GLIBCXX_3.4.30) lacks it.</summary>
    public static IReadOnlySet<string> KnownAnchors { get; } = new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    public bool IsNeeded => ToWeaken.Count > 0;

    public bool IsPossible => Unsatisfiable.Count == 0;

    /// <summary>Compares what <paramref name="library"/> needs from <paramref name="dependencyFile"/> (a soname
    /// such as libstdc++.so.6) with the versions that dependency defines here.</summary>
    public static VersionAnchorPatch Plan(ElfImage library, string dependencyFile, IReadOnlySet<string> definedVersions)
    {
        var weaken = new List<VersionNeed>();
        var unsatisfiable = new List<string>();
        foreach (var need in library.VersionNeeds().Where(n => n.File == dependencyFile && !n.IsWeak && !definedVersions.Contains(n.Version)))
        {
            var symbols = library.SymbolsWithVersionIndex(need.Index);
            if (symbols.Count > 0 && symbols.All(KnownAnchors.Contains)) weaken.Add(need);
            else unsatisfiable.Add($"{need.Version} (for {string.Join(", ", symbols.DefaultIfEmpty("no symbol"))})");
        }
        return new VersionAnchorPatch(weaken, unsatisfiable);
    }

    /// <summary>A copy of the library's bytes with the weak flag set on each requirement to weaken;
    /// every other byte is unchanged.</summary>
    public byte[] Apply(ReadOnlySpan<byte> library)
    {
        var copy = library.ToArray();
        foreach (var need in ToWeaken)
        {
            ushort flags = (ushort)(need.Flags | VersionNeed.WeakFlag);
            copy[need.FlagsOffset] = (byte)flags;
            copy[need.FlagsOffset + 1] = (byte)(flags >> 8);
        }
        return copy;
    }
}
