using DistNN.Nn.Layers;
using DistNN.Nn.Losses;
using DistNN.Tensors;

namespace DistNN.Nn.Models;

/// <summary>Layers applied one after another; layers before the first trainable one skip their input gradient.</summary>
public sealed class Sequential
{
    private readonly Layer[] _layers;
    private readonly List<Parameter> _parameters = [];
    private readonly List<Parameter> _state = [];

    public Sequential(int[] inputShape, IEnumerable<Layer> layers)
    {
        _layers = layers.ToArray();
        if (_layers.Length == 0)
        {
            throw new ShapeException("a model needs at least one layer");
        }
        InputShape = (int[])inputShape.Clone();
        int[] shape = InputShape;
        var names = new HashSet<string>();
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            if (string.IsNullOrEmpty(layer.Name))
            {
                layer.Name = $"{i}.{layer.GetType().Name.ToLowerInvariant()}";
            }
            if (!names.Add(layer.Name))
            {
                throw new ShapeException($"two layers are named '{layer.Name}'");
            }
            // Only a layer with something trainable before it needs dLoss/dInput: a flatten in front of the
            // first dense layer must not make that layer compute a gradient nobody reads (a third of an MLP's backward).
            layer.NeedsInputGradient = _parameters.Count > 0;
            shape = layer.Build(shape);
            foreach (var p in layer.Parameters)
            {
                (p.IsState ? _state : _parameters).Add(p);
            }
        }
        OutputShape = shape;
    }

    public int[] InputShape { get; }

    public int[] OutputShape { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Trainable parameters, in layer order (the order every node lays them out in).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Non-gradient state (running statistics), in layer order.</summary>
    public IReadOnlyList<Parameter> State => _state;

    public long ParameterCount => _parameters.Sum(p => (long)p.Value.Length);

    public void Initialize(Random rng)
    {
        foreach (var layer in _layers)
        {
            layer.Initialize(rng);
        }
    }

    public Tensor Forward(Tensor input, bool training) => Forward(input, training, CancellationToken.None);

    /// <summary>
    /// As <see cref="Forward(Tensor, bool)"/>, but <paramref name="stop"/> is looked at before each layer: once it is
    /// cancelled the pass throws <see cref="OperationCanceledException"/> there (a distributed worker told to stop
    /// abandons its batch between layers rather than at its end).
    /// </summary>
    public Tensor Forward(Tensor input, bool training, CancellationToken stop)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            stop.ThrowIfCancellationRequested();
            x = layer.Forward(x, training);
        }
        return x;
    }

    /// <summary>Backpropagates dLoss/dOutput through every layer, filling parameter gradients.</summary>
    public void Backward(Tensor outputGradient) => Backward(outputGradient, null);

    /// <summary>
    /// Backpropagates dLoss/dOutput through every layer, last first; after each layer, <paramref name="layerDone"/> hears
    /// its index: that layer's parameter gradients are final (a distributed worker pushes them while the rest goes on).
    /// </summary>
    public void Backward(Tensor outputGradient, Action<int>? layerDone)
    {
        Tensor? g = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            if (g is not null)
            {
                g = _layers[i].Backward(g); // layers in front of the first trainable one get no gradient and hold no parameters
            }
            layerDone?.Invoke(i);
        }
    }

    /// <summary>Forward, loss and backward for one batch; returns the mean loss. Gradients are left in the parameters.</summary>
    public float ComputeGradients(Tensor input, Tensor targets, Loss loss, ref Tensor? lossGradient)
    {
        var output = Forward(input, training: true);
        var grad = Tensor.Ensure(ref lossGradient, output.Shape);
        float value = loss.Compute(output, targets, grad);
        Backward(grad);
        return value;
    }
}
