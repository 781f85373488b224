namespace DistNN.Data;

/// <summary>Seeded permutations: the same (seed, epoch) gives the same order on every node.</summary>
public static class Shuffle
{
    /// <summary>A Fisher–Yates permutation of 0..n−1 drawn from a generator seeded by (seed, epoch).</summary>
    public static int[] Permutation(int n, int seed, int epoch)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        var rng = new Random(unchecked(seed * 1_000_003 + epoch * 7919 + 17));
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// Writes into <paramref name="order"/> exactly the permutation <see cref="Permutation"/> returns for
    /// (order.Length, seed, epoch), reusing the caller's buffer.
    /// </summary>
    public static void PermuteInto(Span<int> order, int seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        // Same generator and draws as Permutation, so both give identical orders on every node.
        var rng = new Random(unchecked(seed * 1_000_003 + epoch * 7919 + 17));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
