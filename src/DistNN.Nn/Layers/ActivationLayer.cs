using DistNN.Nn.Activations;
using DistNN.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// An activation as a layer of its own (spec: {"type":"activation","activation":"tanh"}), e.g. softmax at the end
/// of a network, or a nonlinearity after a layer that has none fused. Rows are the last axis.
/// </summary>
public sealed class ActivationLayer : Layer
{
    private readonly Activation _activation;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _inputGradient;
    private int _rowLength;

    public ActivationLayer(Activation activation)
    {
        _activation = activation;
    }

    public Activation Activation => _activation;

    protected override int[] BuildCore(int[] inputShape)
    {
        if (!_activation.HasGradient)
        {
            throw ShapeError($"activation '{_activation.Name}' has no useful gradient and cannot be trained by backpropagation; use the perceptron rule (Perceptron) for a single step layer");
        }
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
        {
            throw ShapeError("an activation needs a non-empty input");
        }
        _rowLength = inputShape[^1];
        return inputShape;
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        _input = input;
        var output = Tensor.Ensure(ref _output, input.Shape);
        _activation.Forward(input.Span, output.Span, _rowLength);
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        if (!NeedsInputGradient)
        {
            return null;
        }
        var dx = Tensor.Ensure(ref _inputGradient, input.Shape);
        _activation.Backward(input.Span, _output!.Span, outputGradient.Span, dx.Span, _rowLength);
        return dx;
    }
}
