namespace DistNN.Data.Idx;

/// <summary>Paths of the four files of an IDX data set.</summary>
public sealed record IdxFiles(string TrainImages, string TrainLabels, string TestImages, string TestLabels);
