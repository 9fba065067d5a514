using TorchSharp;
using YoloCompress.Torch.Native;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Tests.Native;

public class TorchLoadTests
{
    [Fact]
    public void TorchLoadsPatchingOnlyWhereTheSystemLibstdcxxLacksTheAnchorVersion()
    {
        var result = TorchNativeLoader.EnsureLoaded();

        var stdcxx = ElfImage.Read(TorchNativeLoader.LoadedLibraryPath("libstdc++.so.6")!).VersionDefinitions();
        Assert.Equal(!stdcxx.Contains("GLIBCXX_3.4.32"), result.Patched);
        if (result.Patched)
        {
            Assert.Equal(["GLIBCXX_3.4.32"], result.WeakenedVersions);
            Assert.StartsWith(TorchNativeLoader.CacheRoot, result.PatchedLibrary);
        }
        Assert.Same(result, TorchNativeLoader.EnsureLoaded());
    }

    [Fact]
    public void TorchComputesAMatmulAndItsGradient()
    {
        TorchNativeLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]).requires_grad_();
        var b = tensor(new float[] { 1, 0, 2, 1, 0, 3 }, [3, 2]);
        var y = matmul(a, b);
        Assert.Equal(new float[] { 5, 11, 14, 23 }, y.data<float>().ToArray());
        y.sum().backward();
        // d(sum(a@b))/da[i,k] = sum_j b[k,j]
        Assert.Equal(new float[] { 1, 3, 3, 1, 3, 3 }, a.grad!.data<float>().ToArray());
    }
}
