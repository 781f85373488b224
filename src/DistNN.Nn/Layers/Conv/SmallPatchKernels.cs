using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// The three products of a convolution whose patch is short (kh·kw·C ≤ <see cref="MaxPatch"/>, e.g. a first layer
/// on 1-channel images with a 3×3 kernel: k = 9). A blocked GEMM spends most of its time packing and storing tiles
/// at such a small inner dimension, so these walk the rows once with the filters in SIMD lanes.
/// col is rows × k, W is k × f, dz and z are rows × f.
/// </summary>
internal static unsafe class SmallPatchKernels
{
    public const int MaxPatch = 32;

    /// <summary>Rows summed in float before the bias gradient's running sum in double (as <c>PerChannel</c> does).</summary>
    public const int BiasBlockRows = 256;

    /// <summary>z = col · W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> col, ReadOnlySpan<float> w, Span<float> z, int rows, int k, int f)
    {
        int lanes = Vector<float>.Count;
        int vectorEnd = f - f % lanes;
        fixed (float* c0 = col)
        fixed (float* w0 = w)
        fixed (float* z0 = z)
        {
            for (int r = 0; r < rows; r++)
            {
                float* a = c0 + (long)r * k;
                float* out_ = z0 + (long)r * f;
                int j = 0;
                for (; j <= f - 16 && Vector512.IsHardwareAccelerated; j += 16)
                {
                    var acc = Vector512<float>.Zero;
                    for (int p = 0; p < k; p++)
                    {
                        acc = Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), Vector512.Load(w0 + p * f + j), acc);
                    }
                    acc.Store(out_ + j);
                }
                for (; j < vectorEnd; j += lanes)
                {
                    var acc = Vector<float>.Zero;
                    for (int p = 0; p < k; p++)
                    {
                        acc = Vector.FusedMultiplyAdd(new Vector<float>(a[p]), Vector.Load(w0 + p * f + j), acc);
                    }
                    Vector.Store(acc, out_ + j);
                }
                for (; j < f; j++)
                {
                    float s = 0f;
                    for (int p = 0; p < k; p++)
                    {
                        s += a[p] * w0[p * f + j];
                    }
                    out_[j] = s;
                }
            }
        }
    }

    /// <summary>dW (+)= colᵀ · dz.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient(ReadOnlySpan<float> col, ReadOnlySpan<float> dz, Span<float> dw, int rows, int k, int f, bool accumulate)
    {
        if (!accumulate)
        {
            dw.Slice(0, k * f).Clear();
        }
        int lanes = Vector<float>.Count;
        int vectorEnd = f - f % lanes;
        fixed (float* c0 = col)
        fixed (float* d0 = dz)
        fixed (float* w0 = dw)
        {
            for (int r = 0; r < rows; r++)
            {
                float* a = c0 + (long)r * k;
                float* g = d0 + (long)r * f;
                int j = 0;
                for (; j <= f - 16 && Vector512.IsHardwareAccelerated; j += 16)
                {
                    var gj = Vector512.Load(g + j);
                    for (int p = 0; p < k; p++)
                    {
                        float* target = w0 + p * f + j;
                        Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), gj, Vector512.Load(target)).Store(target);
                    }
                }
                for (; j < vectorEnd; j += lanes)
                {
                    var gj = Vector.Load(g + j);
                    for (int p = 0; p < k; p++)
                    {
                        float* target = w0 + p * f + j;
                        Vector.Store(Vector.FusedMultiplyAdd(new Vector<float>(a[p]), gj, Vector.Load(target)), target);
                    }
                }
                for (; j < f; j++)
                {
                    for (int p = 0; p < k; p++)
                    {
                        w0[p * f + j] += a[p] * g[j];
                    }
                }
            }
        }
    }

    /// <summary>dcol = dz · Wᵀ: dcol[r, p] = Σ_j dz[r, j] · W[p, j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dcol, int rows, int k, int f)
    {
        for (int r = 0; r < rows; r++)
        {
            var g = dz.Slice(r * f, f);
            for (int p = 0; p < k; p++)
            {
                dcol[r * k + p] = System.Numerics.Tensors.TensorPrimitives.Dot(g, w.Slice(p * f, f));
            }
        }
    }

    /// <summary>
    /// a = act(col · W + b) with act = ReLU or the identity, written straight to the layer's output: no separate
    /// bias and activation passes over the batch, and no z kept (ReLU's backward mask is a &gt; 0, the same as z &gt; 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBiasActivation(ReadOnlySpan<float> col, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> a, int rows, int k, int f, bool relu)
    {
        int blockEnd = Vector512.IsHardwareAccelerated ? f - f % 16 : 0;
        fixed (float* c0 = col)
        fixed (float* w0 = w)
        fixed (float* b0 = bias)
        fixed (float* a0 = a)
        {
            for (int r = 0; r < rows; r++)
            {
                float* patch = c0 + (long)r * k;
                float* out_ = a0 + (long)r * f;
                int j = 0;
                for (; j < blockEnd; j += 16)
                {
                    var acc = Vector512.Load(b0 + j);
                    for (int p = 0; p < k; p++)
                    {
                        acc = Vector512.FusedMultiplyAdd(Vector512.Create(patch[p]), Vector512.Load(w0 + p * f + j), acc);
                    }
                    if (relu)
                    {
                        acc = Vector512.Max(acc, Vector512<float>.Zero);
                    }
                    acc.Store(out_ + j);
                }
                for (; j < f; j++)
                {
                    float s = b0[j];
                    for (int p = 0; p < k; p++)
                    {
                        s += patch[p] * w0[p * f + j];
                    }
                    out_[j] = relu ? Math.Max(s, 0f) : s;
                }
            }
        }
    }

    /// <summary>
    /// One pass over a slice's rows for the parameter gradients: dz = da ⊙ [a &gt; 0] (ReLU) or da; dW (+)= colᵀ · dz;
    /// biasTotal += Σ_r dz (summed in float over blocks of <see cref="BiasBlockRows"/> rows, then in double).
    /// dz is stored only when <paramref name="dz"/> is not empty (the input gradient needs it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardBiasActivation(ReadOnlySpan<float> col, ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dz,
        Span<float> dw, Span<float> biasBlock, Span<double> biasTotal, int rows, int k, int f, bool relu, bool accumulate)
    {
        if (!accumulate)
        {
            dw.Slice(0, k * f).Clear();
        }
        bool storeDz = !dz.IsEmpty;
        int blockEnd = Vector512.IsHardwareAccelerated ? f - f % 16 : 0;
        fixed (float* c0 = col)
        fixed (float* da0 = da)
        fixed (float* a0 = a)
        fixed (float* dz0 = dz)
        fixed (float* w0 = dw)
        fixed (float* s0 = biasBlock)
        {
            for (int r0 = 0; r0 < rows; r0 += BiasBlockRows)
            {
                new Span<float>(s0, f).Clear();
                int r1 = Math.Min(rows, r0 + BiasBlockRows);
                for (int r = r0; r < r1; r++)
                {
                    float* patch = c0 + (long)r * k;
                    float* g = da0 + (long)r * f;
                    float* act = a0 + (long)r * f;
                    float* d = dz0 + (long)r * f;
                    int j = 0;
                    for (; j < blockEnd; j += 16)
                    {
                        var gj = Vector512.Load(g + j);
                        if (relu)
                        {
                            gj = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(act + j), Vector512<float>.Zero), gj, Vector512<float>.Zero);
                        }
                        if (storeDz)
                        {
                            gj.Store(d + j);
                        }
                        (Vector512.Load(s0 + j) + gj).Store(s0 + j);
                        for (int p = 0; p < k; p++)
                        {
                            float* target = w0 + p * f + j;
                            Vector512.FusedMultiplyAdd(Vector512.Create(patch[p]), gj, Vector512.Load(target)).Store(target);
                        }
                    }
                    for (; j < f; j++)
                    {
                        float gj = relu && !(act[j] > 0f) ? 0f : g[j];
                        if (storeDz)
                        {
                            d[j] = gj;
                        }
                        s0[j] += gj;
                        for (int p = 0; p < k; p++)
                        {
                            w0[p * f + j] += patch[p] * gj;
                        }
                    }
                }
                for (int j = 0; j < f; j++)
                {
                    biasTotal[j] += s0[j];
                }
            }
        }
    }
}
