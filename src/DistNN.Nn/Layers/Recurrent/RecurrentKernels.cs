using System.Runtime.CompilerServices;
using DistNN.Nn.Activations;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Fused elementwise backward kernels of the recurrent cells: one pass over the gates instead of a chain of
/// TensorPrimitives calls with temporaries, written once for every width (<see cref="Elementwise"/>).
/// </summary>
internal static unsafe class RecurrentKernels
{
    /// <summary>da = dh ⊙ (1 − h²), the derivative of h = tanh(a) expressed through h.</summary>
    public static void TanhBackward(ReadOnlySpan<float> h, ReadOnlySpan<float> dh, Span<float> da) =>
        Elementwise.Map<Tanh.Gradient>(h, dh, da);

    /// <summary>
    /// One LSTM row backward, gates [i, f, g, o] activated in <paramref name="gates"/> (4·hidden).
    /// dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c); da_i = dc ⊙ g ⊙ i(1−i); da_f = dc ⊙ c_prev ⊙ f(1−f);
    /// da_g = dc ⊙ i ⊙ (1 − g²); da_o = dh ⊙ tanh c ⊙ o(1−o); dc_next ← dc ⊙ f.
    /// </summary>
    public static void LstmBackward(
        ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tanhC,
        ReadOnlySpan<float> dh, Span<float> dcNext, Span<float> da, int hidden)
    {
        fixed (float* g0 = gates[..(4 * hidden)])
        fixed (float* c0 = cPrev[..hidden])
        fixed (float* t0 = tanhC[..hidden])
        fixed (float* dh0 = dh[..hidden])
        fixed (float* dc0 = dcNext[..hidden])
        fixed (float* da0 = da[..(4 * hidden)])
        {
            Elementwise.Run(new LstmGradient(g0, c0, t0, dh0, dc0, da0, hidden), hidden);
        }
    }

    /// <summary>
    /// One GRU row backward, gates [r, z, n] activated in <paramref name="gates"/>, hn = h_{t−1}·U_n + b_hn.
    /// h = (1 − z) ⊙ n + z ⊙ h_prev. dn = dh ⊙ (1 − z) ⊙ (1 − n²); dz = dh ⊙ (h_prev − n) ⊙ z(1−z);
    /// dr = dn ⊙ hn ⊙ r(1−r). Input side: [dr, dz, dn]; recurrent side: [dr, dz, dn ⊙ r]; dh_prev (direct) = dh ⊙ z.
    /// </summary>
    public static void GruBackward(
        ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> daInput, Span<float> daRecurrent, Span<float> dhPrev, int hidden)
    {
        fixed (float* g0 = gates[..(3 * hidden)])
        fixed (float* hn0 = hn[..hidden])
        fixed (float* hp0 = hPrev[..hidden])
        fixed (float* dh0 = dh[..hidden])
        fixed (float* di0 = daInput[..(3 * hidden)])
        fixed (float* dr0 = daRecurrent[..(3 * hidden)])
        fixed (float* dp0 = dhPrev[..hidden])
        {
            Elementwise.Run(new GruGradient(g0, hn0, hp0, dh0, di0, dr0, dp0, hidden), hidden);
        }
    }

    private readonly struct LstmGradient(float* gates, float* cPrev, float* tanhC, float* dh, float* dcNext, float* da, int hidden) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long j)
            where TV : unmanaged, ISimd<TV>
        {
            var one = TV.Broadcast(1f);
            var i = TV.Load(gates + j);
            var f = TV.Load(gates + hidden + j);
            var g = TV.Load(gates + 2 * hidden + j);
            var o = TV.Load(gates + 3 * hidden + j);
            var tc = TV.Load(tanhC + j);
            var dhv = TV.Load(dh + j);
            var dc = TV.Load(dcNext + j) + dhv * o * (one - tc * tc);
            TV.Store(dc * g * i * (one - i), da + j);
            TV.Store(dc * TV.Load(cPrev + j) * f * (one - f), da + hidden + j);
            TV.Store(dc * i * (one - g * g), da + 2 * hidden + j);
            TV.Store(dhv * tc * o * (one - o), da + 3 * hidden + j);
            TV.Store(dc * f, dcNext + j);
        }
    }

    private readonly struct GruGradient(float* gates, float* hn, float* hPrev, float* dh, float* daInput, float* daRecurrent, float* dhPrev, int hidden)
        : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long j)
            where TV : unmanaged, ISimd<TV>
        {
            var one = TV.Broadcast(1f);
            var r = TV.Load(gates + j);
            var z = TV.Load(gates + hidden + j);
            var n = TV.Load(gates + 2 * hidden + j);
            var dhv = TV.Load(dh + j);
            var dn = dhv * (one - z) * (one - n * n);
            var dz = dhv * (TV.Load(hPrev + j) - n) * z * (one - z);
            var dr = dn * TV.Load(hn + j) * r * (one - r);
            TV.Store(dr, daInput + j);
            TV.Store(dz, daInput + hidden + j);
            TV.Store(dn, daInput + 2 * hidden + j);
            TV.Store(dr, daRecurrent + j);
            TV.Store(dz, daRecurrent + hidden + j);
            TV.Store(dn * r, daRecurrent + 2 * hidden + j);
            TV.Store(dhv * z, dhPrev + j);
        }
    }
}
