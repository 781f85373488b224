namespace DistNN.Nn.Optimizers;

/// <summary>Optimizers by name, with PyTorch's defaults unless <see cref="OptimizerOptions"/> says otherwise.</summary>
public static class OptimizerFactory
{
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

    public static Optimizer Create(string name, float learningRate, OptimizerOptions? options = null)
    {
        options ??= new OptimizerOptions();
        if (!(learningRate > 0f) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be a positive number");
        }
        if (options.L1 < 0f || options.L2 < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "L1 and L2 must not be negative");
        }
        Optimizer optimizer = name.Trim().ToLowerInvariant() switch
        {
            "sgd" => new Sgd(options.Momentum ?? 0f),
            "momentum" => new Sgd(options.Momentum ?? 0.9f),
            "nesterov" => new Sgd(options.Momentum ?? 0.9f, nesterov: true),
            "adagrad" => new AdaGrad(options.Epsilon ?? 1e-10f),
            "rmsprop" => new RmsProp(options.Rho ?? 0.99f, options.Epsilon ?? 1e-8f),
            "adam" => new Adam(options.Beta1 ?? 0.9f, options.Beta2 ?? 0.999f, options.Epsilon ?? 1e-8f),
            _ => throw new ArgumentException($"unknown optimizer '{name}' (known: {string.Join(", ", Names)})"),
        };
        optimizer.LearningRate = learningRate;
        optimizer.L1 = options.L1;
        optimizer.L2 = options.L2;
        return optimizer;
    }
}
