namespace DistNN.Tensors;

/// <summary>
/// How many threads the kernels called from this thread may use. Thread-static, so two workers
/// in one process can each be given their share of the cores without oversubscribing them.
/// </summary>
public static class ComputeThreads
{
    [ThreadStatic]
    private static int t_threads;

    /// <summary>Threads for kernels started on the calling thread; defaults to all cores.</summary>
    public static int Current
    {
        get => t_threads > 0 ? t_threads : Environment.ProcessorCount;
        set => t_threads = value <= 0 ? 0 : value;
    }
}
