using YoloCompress.Torch.Native;

namespace YoloCompress.Torch.Tests.Native;

/// <summary>The weak-version patch on the libLibTorchSharp.so that TorchSharp actually ships.</summary>
public class VersionAnchorPatchTests
{
    private static readonly string Shipped = TorchNativeLoader.FindShipped("libLibTorchSharp.so")
        ?? throw new InvalidOperationException("libLibTorchSharp.so is not in the test output");

    /// <summary>Every GLIBCXX/CXXABI version Debian 12's libstdc++ (GCC 12) defines, i.e. up to GLIBCXX_3.4.30.</summary>
    private static HashSet<string> Gcc12Versions(params string[] extra)
    {
        var set = new HashSet<string>(StringComparer.Ordinal) { "GLIBCXX_3.4", "CXXABI_1.3" };
        for (int i = 1; i <= 30; i++) set.Add($"GLIBCXX_3.4.{i}");
        for (int i = 1; i <= 13; i++) set.Add($"CXXABI_1.3.{i}");
        set.UnionWith(extra);
        return set;
    }

    [Fact]
    public void OnAnOlderLibstdcxxOnlyTheAnchorVersionIsWeakenedAndEveryOtherByteIsKept()
    {
        var image = ElfImage.Read(Shipped);
        var plan = VersionAnchorPatch.Plan(image, "libstdc++.so.6", Gcc12Versions());

        Assert.True(plan.IsPossible, string.Join("; ", plan.Unsatisfiable));
        var need = Assert.Single(plan.ToWeaken);
        Assert.Equal("GLIBCXX_3.4.32", need.Version);
        Assert.Equal(["_ZSt21ios_base_library_initv"], image.SymbolsWithVersionIndex(need.Index));

        var patched = plan.Apply(image.Bytes);
        var original = image.Bytes.ToArray();
        Assert.Equal(original.Length, patched.Length);
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)need.FlagsOffset], differing);

        var before = image.VersionNeeds();
        var after = ElfImage.FromBytes("patched", patched).VersionNeeds();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            bool isTarget = before[i].FlagsOffset == need.FlagsOffset;
            Assert.Equal(isTarget, after[i].IsWeak && !before[i].IsWeak);
            Assert.Equal(before[i] with { Flags = after[i].Flags }, after[i]);
        }
    }

    [Fact]
    public void NothingIsDoneWhereLibstdcxxHasTheVersion()
    {
        var plan = VersionAnchorPatch.Plan(ElfImage.Read(Shipped), "libstdc++.so.6", Gcc12Versions("GLIBCXX_3.4.31", "GLIBCXX_3.4.32"));

        Assert.False(plan.IsNeeded);
        Assert.True(plan.IsPossible);
    }

    [Fact]
    public void AMissingVersionThatRealSymbolsNeedIsNotPatchedButNamed()
    {
        var defined = Gcc12Versions();
        defined.Remove("GLIBCXX_3.4.30");
        var plan = VersionAnchorPatch.Plan(ElfImage.Read(Shipped), "libstdc++.so.6", defined);

        Assert.False(plan.IsPossible);
        Assert.Contains(plan.Unsatisfiable, u => u.StartsWith("GLIBCXX_3.4.30 (for ", StringComparison.Ordinal) && !u.Contains("no symbol"));
    }

    [Fact]
    public void TheSystemLibstdcxxVersionsAreReadFromItsVersionDefinitions()
    {
        var path = TorchNativeLoader.LoadedLibraryPath("libstdc++.so.6");
        Assert.NotNull(path);
        var defined = ElfImage.Read(path).VersionDefinitions();
        Assert.Contains("GLIBCXX_3.4.26", defined);
        Assert.Contains("CXXABI_1.3", defined);
        Assert.DoesNotContain("GLIBCXX_3.4.99", defined);
    }

    [Fact]
    public void ANonElfFileIsRejectedWithItsName()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfImage.FromBytes("model.onnx", new byte[128]));
        Assert.Contains("'model.onnx'", e.Message);
    }
}
