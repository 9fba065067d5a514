namespace YoloCompress.Core.Pruning;

/// <summary>Keeps selected indices of one axis of a row-major tensor.</summary>
internal static class TensorSlicing
{
    public static float[] Slice(float[] data, long[] dims, int axis, int[] keep, out long[] newDims)
    {
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        for (int i = axis + 1; i < dims.Length; i++) inner *= dims[i];
        long size = dims[axis];
        var result = new float[outer * keep.Length * inner];
        for (long o = 0; o < outer; o++)
            for (int k = 0; k < keep.Length; k++)
                Array.Copy(data, (o * size + keep[k]) * inner, result, (o * keep.Length + k) * inner, inner);
        newDims = (long[])dims.Clone();
        newDims[axis] = keep.Length;
        return result;
    }
}
