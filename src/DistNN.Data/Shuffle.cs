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
}
