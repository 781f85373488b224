using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Fused elementwise backward kernels of the recurrent cells: one pass over the gates instead of a chain of
/// TensorPrimitives calls with temporaries. Vectorised with <see cref="Vector{T}"/>, scalar tail.
/// </summary>
internal static class RecurrentKernels
{
    /// <summary>da = dh ⊙ (1 − h²), the derivative of h = tanh(a) expressed through h.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward(ReadOnlySpan<float> h, ReadOnlySpan<float> dh, Span<float> da)
    {
        int i = 0;
        var one = Vector<float>.One;
        for (; i <= h.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var hv = new Vector<float>(h[i..]);
            (new Vector<float>(dh[i..]) * (one - hv * hv)).CopyTo(da[i..]);
        }
        for (; i < h.Length; i++)
        {
            da[i] = dh[i] * (1f - h[i] * h[i]);
        }
    }

    /// <summary>
    /// One LSTM row backward, gates [i, f, g, o] activated in <paramref name="gates"/> (4·hidden).
    /// dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c); da_i = dc ⊙ g ⊙ i(1−i); da_f = dc ⊙ c_prev ⊙ f(1−f);
    /// da_g = dc ⊙ i ⊙ (1 − g²); da_o = dh ⊙ tanh c ⊙ o(1−o); dc_next ← dc ⊙ f.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmBackward(
        ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tanhC,
        ReadOnlySpan<float> dh, Span<float> dcNext, Span<float> da, int hidden)
    {
        var gi = gates[..hidden];
        var gf = gates.Slice(hidden, hidden);
        var gg = gates.Slice(2 * hidden, hidden);
        var go = gates.Slice(3 * hidden, hidden);
        var dai = da[..hidden];
        var daf = da.Slice(hidden, hidden);
        var dag = da.Slice(2 * hidden, hidden);
        var dao = da.Slice(3 * hidden, hidden);
        int j = 0;
        var one = Vector<float>.One;
        for (; j <= hidden - Vector<float>.Count; j += Vector<float>.Count)
        {
            var i = new Vector<float>(gi[j..]);
            var f = new Vector<float>(gf[j..]);
            var g = new Vector<float>(gg[j..]);
            var o = new Vector<float>(go[j..]);
            var tc = new Vector<float>(tanhC[j..]);
            var dhv = new Vector<float>(dh[j..]);
            var dc = new Vector<float>(dcNext[j..]) + dhv * o * (one - tc * tc);
            (dc * g * i * (one - i)).CopyTo(dai[j..]);
            (dc * new Vector<float>(cPrev[j..]) * f * (one - f)).CopyTo(daf[j..]);
            (dc * i * (one - g * g)).CopyTo(dag[j..]);
            (dhv * tc * o * (one - o)).CopyTo(dao[j..]);
            (dc * f).CopyTo(dcNext[j..]);
        }
        for (; j < hidden; j++)
        {
            float i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tanhC[j], dhv = dh[j];
            float dc = dcNext[j] + dhv * o * (1f - tc * tc);
            dai[j] = dc * g * i * (1f - i);
            daf[j] = dc * cPrev[j] * f * (1f - f);
            dag[j] = dc * i * (1f - g * g);
            dao[j] = dhv * tc * o * (1f - o);
            dcNext[j] = dc * f;
        }
    }

    /// <summary>
    /// One GRU row backward, gates [r, z, n] activated in <paramref name="gates"/>, hn = h_{t−1}·U_n + b_hn.
    /// h = (1 − z) ⊙ n + z ⊙ h_prev. dn = dh ⊙ (1 − z) ⊙ (1 − n²); dz = dh ⊙ (h_prev − n) ⊙ z(1−z);
    /// dr = dn ⊙ hn ⊙ r(1−r). Input side: [dr, dz, dn]; recurrent side: [dr, dz, dn ⊙ r]; dh_prev (direct) = dh ⊙ z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruBackward(
        ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> daInput, Span<float> daRecurrent, Span<float> dhPrev, int hidden)
    {
        var gr = gates[..hidden];
        var gz = gates.Slice(hidden, hidden);
        var gn = gates.Slice(2 * hidden, hidden);
        int j = 0;
        var one = Vector<float>.One;
        for (; j <= hidden - Vector<float>.Count; j += Vector<float>.Count)
        {
            var r = new Vector<float>(gr[j..]);
            var z = new Vector<float>(gz[j..]);
            var n = new Vector<float>(gn[j..]);
            var dhv = new Vector<float>(dh[j..]);
            var dn = dhv * (one - z) * (one - n * n);
            var dz = dhv * (new Vector<float>(hPrev[j..]) - n) * z * (one - z);
            var dr = dn * new Vector<float>(hn[j..]) * r * (one - r);
            dr.CopyTo(daInput[j..]);
            dz.CopyTo(daInput[(hidden + j)..]);
            dn.CopyTo(daInput[(2 * hidden + j)..]);
            dr.CopyTo(daRecurrent[j..]);
            dz.CopyTo(daRecurrent[(hidden + j)..]);
            (dn * r).CopyTo(daRecurrent[(2 * hidden + j)..]);
            (dhv * z).CopyTo(dhPrev[j..]);
        }
        for (; j < hidden; j++)
        {
            float r = gr[j], z = gz[j], n = gn[j], dhv = dh[j];
            float dn = dhv * (1f - z) * (1f - n * n);
            float dz = dhv * (hPrev[j] - n) * z * (1f - z);
            float dr = dn * hn[j] * r * (1f - r);
            daInput[j] = dr;
            daInput[hidden + j] = dz;
            daInput[2 * hidden + j] = dn;
            daRecurrent[j] = dr;
            daRecurrent[hidden + j] = dz;
            daRecurrent[2 * hidden + j] = dn * r;
            dhPrev[j] = dhv * z;
        }
    }
}
